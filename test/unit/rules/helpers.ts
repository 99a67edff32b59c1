// Small builders for rule tests: a valid object of each kind, changed per test.
import type { Diagnostic } from '../../../policies/diagnostics.js';
import { deepMerge, type Policy } from '../../../policies/model.js';
import { checkObject, ruleContext, type Rule } from '../../../policies/rules/index.js';
import { policyWith } from '../../fixtures/policy.js';

/** Findings of one rule (or all) for `objects` under the default policy with `spec` laid over it. */
export function run(
  objects: unknown | unknown[],
  spec: Record<string, unknown> = {},
  rule?: Rule,
  profiles: Policy['profiles'] = {},
): Diagnostic[] {
  const list = Array.isArray(objects) ? objects : [objects];
  const policy = policyWith(spec, profiles);
  const ctx = ruleContext(policy, list);
  return list.flatMap((o) => checkObject(o, ctx, rule ? [rule] : undefined));
}

export const codes = (ds: Diagnostic[]): string[] => ds.map((d) => d.code);

export function sparkApp(over: Record<string, unknown> = {}): any {
  return deepMerge(
    {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'wordcount', namespace: 'analytics' },
      spec: {
        type: 'Scala',
        mode: 'cluster',
        image: 'apache/spark:3.5.1',
        mainClass: 'org.apache.spark.examples.JavaWordCount',
        mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar',
        sparkVersion: '3.5.1',
        driver: { cores: 1, coreLimit: '1200m', memory: '1g', serviceAccount: 'spark' },
        executor: { instances: 2, cores: 2, memory: '4g' },
      },
    },
    over,
  );
}

export function pod(over: Record<string, unknown> = {}): any {
  return deepMerge(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'wordcount-exec-1', labels: { 'spark-role': 'executor' } },
      spec: {
        containers: [
          {
            name: 'spark-kubernetes-executor',
            image: 'apache/spark:3.5.1',
            resources: { requests: { cpu: '1', memory: '1408Mi' }, limits: { memory: '1408Mi' } },
          },
        ],
      },
    },
    over,
  );
}

export function starRocksCluster(cn: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'starrocks.com/v1',
    kind: 'StarRocksCluster',
    metadata: { name: 'sr', namespace: 'analytics' },
    spec: {
      starRocksFeSpec: { image: 'starrocks/fe-ubuntu:3.2.2', replicas: 3 },
      starRocksCnSpec: deepMerge(
        {
          image: 'starrocks/cn-ubuntu:3.2.2',
          replicas: 2,
          requests: { cpu: '4', memory: '8Gi' },
          limits: { cpu: '4', memory: '8Gi' },
        },
        cn,
      ),
    },
  };
}

export function hpa(apiVersion = 'autoscaling/v2', spec: Record<string, unknown> = {}): any {
  return {
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'cn' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'sr-cn' },
      minReplicas: 1,
      maxReplicas: 5,
      ...spec,
    },
  };
}

export const alluxioRuntime = (spec: Record<string, unknown> = {}): any => ({
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'AlluxioRuntime',
  metadata: { name: 'logs', namespace: 'analytics' },
  spec: { replicas: 1, alluxioVersion: { image: 'alluxio/alluxio', imageTag: '2.9.4' }, ...spec },
});

export const dataset = (): any => ({
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'Dataset',
  metadata: { name: 'logs', namespace: 'analytics' },
  spec: { mounts: [{ mountPoint: 's3://bucket/logs/', name: 'logs' }] },
});
