// Which schema checks which part of which resource.
import { hpaSpecSchema } from './hpa.js';
import { alluxioRuntimeSpecSchema, datasetSpecSchema } from './fluid.js';
import { podSpecSchema } from './pod.js';
import { sparkApplicationSpecSchema } from './spark-application.js';
import { computeNodeGroupSpecSchema, starRocksClusterSpecSchema } from './starrocks.js';
import type { Schema } from './common.js';
import { POD_TEMPLATE_API_VERSIONS } from '../k8s.js';

export interface ResourceSchema {
  /** `group/version` values (or `v1`) this entry covers. */
  apiVersions: readonly string[];
  kinds: readonly string[];
  /** Where the checked value lives in the object. */
  at: readonly string[];
  schema: Schema;
  /** The value at `at` must exist (a SparkApplication without spec is useless). */
  required: boolean;
}

export const RESOURCE_SCHEMAS: readonly ResourceSchema[] = [
  {
    apiVersions: ['sparkoperator.k8s.io/v1beta2'],
    kinds: ['SparkApplication'],
    at: ['spec'],
    schema: sparkApplicationSpecSchema,
    required: true,
  },
  {
    apiVersions: ['sparkoperator.k8s.io/v1beta2'],
    kinds: ['ScheduledSparkApplication'],
    at: ['spec', 'template'],
    schema: sparkApplicationSpecSchema,
    required: true,
  },
  {
    apiVersions: ['starrocks.com/v1'],
    kinds: ['StarRocksCluster'],
    at: ['spec'],
    schema: starRocksClusterSpecSchema,
    required: true,
  },
  {
    apiVersions: ['starrocks.com/v1alpha1'],
    kinds: ['ComputeNodeGroup'],
    at: ['spec'],
    schema: computeNodeGroupSpecSchema,
    required: true,
  },
  {
    apiVersions: ['data.fluid.io/v1alpha1'],
    kinds: ['Dataset'],
    at: ['spec'],
    schema: datasetSpecSchema,
    required: false,
  },
  {
    apiVersions: ['data.fluid.io/v1alpha1'],
    kinds: ['AlluxioRuntime'],
    at: ['spec'],
    schema: alluxioRuntimeSpecSchema,
    required: false,
  },
  {
    apiVersions: ['autoscaling/v2', 'autoscaling/v2beta2'],
    kinds: ['HorizontalPodAutoscaler'],
    at: ['spec'],
    schema: hpaSpecSchema,
    required: true,
  },
  { apiVersions: ['v1'], kinds: ['Pod'], at: ['spec'], schema: podSpecSchema, required: true },
  ...Object.entries(POD_TEMPLATE_API_VERSIONS).map(([kind, apiVersion]) => ({
    apiVersions: [apiVersion],
    kinds: [kind],
    at: ['spec', 'template', 'spec'],
    schema: podSpecSchema,
    required: false,
  })),
  {
    apiVersions: ['batch/v1'],
    kinds: ['CronJob'],
    at: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
    schema: podSpecSchema,
    required: false,
  },
];

export function schemasFor(kind: string, apiVersion: string): ResourceSchema[] {
  return RESOURCE_SCHEMAS.filter((s) => s.kinds.includes(kind) && s.apiVersions.includes(apiVersion));
}

export type { Schema };
