// Autoscaling mistakes: minReplicas above maxReplicas (the HPA is rejected or never
// scales), and HPA APIs that Kubernetes removed (autoscaling/v2beta2 in 1.26), whether
// written by hand or created by the StarRocks operator on the tenant's behalf.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import type { Segments } from '../diagnostics.js';
import { SPARK_GROUP, STARROCKS_GROUP, groupOf, isObject, type KubeObject, type Rule } from './types.js';

/** Every `autoScalingPolicy` block in a StarRocks object (CN spec, warehouse template, legacy spec). */
function autoScalingPolicies(value: unknown, path: Segments = []): { policy: Record<string, any>; path: Segments }[] {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'autoScalingPolicy' && isObject(v)
      ? [{ policy: v, path: [...path, k] }]
      : autoScalingPolicies(v, [...path, k]),
  );
}

interface Bounds {
  min: unknown;
  max: unknown;
  path: Segments;
  minField: string;
  maxField: string;
}

function boundsOf(obj: KubeObject): Bounds[] {
  const group = groupOf(obj.apiVersion ?? '');
  if (obj.kind === 'HorizontalPodAutoscaler')
    return [
      {
        min: obj.spec?.minReplicas,
        max: obj.spec?.maxReplicas,
        path: ['spec'],
        minField: 'minReplicas',
        maxField: 'maxReplicas',
      },
    ];
  if (group === STARROCKS_GROUP) {
    return autoScalingPolicies(obj).map(({ policy, path }) => ({
      min: policy.minReplicas,
      max: policy.maxReplicas,
      path,
      minField: 'minReplicas',
      maxField: 'maxReplicas',
    }));
  }
  if (group === SPARK_GROUP && obj.kind === 'SparkApplication' && isObject(obj.spec?.dynamicAllocation)) {
    const d = obj.spec.dynamicAllocation;
    return [
      {
        min: d.minExecutors,
        max: d.maxExecutors,
        path: ['spec', 'dynamicAllocation'],
        minField: 'minExecutors',
        maxField: 'maxExecutors',
      },
    ];
  }
  return [];
}

export const minAboveMaxRule: Rule = {
  code: 'min-replicas-above-max',
  description: 'HPA / autoScalingPolicy minReplicas (or Spark minExecutors) greater than the maximum',
  appliesTo: (kind, apiVersion) =>
    kind === 'HorizontalPodAutoscaler' || [STARROCKS_GROUP, SPARK_GROUP].includes(groupOf(apiVersion)),
  check(obj) {
    return boundsOf(obj).flatMap(({ min, max, path, minField, maxField }): Diagnostic[] => {
      if (typeof min !== 'number' || typeof max !== 'number' || min <= max) return [];
      return [
        diagnostic('error', 'min-replicas-above-max', `${minField} ${min} is greater than ${maxField} ${max}`, {
          path: joinPath([...path, minField]),
          hint: `lower ${minField} to at most ${max}, or raise ${maxField} to at least ${min}`,
        }),
      ];
    });
  },
};

interface RemovedApi {
  apiVersion: string;
  kinds: readonly string[];
  removedIn: string;
  replacement: string;
}

const REMOVED_APIS: readonly RemovedApi[] = [
  {
    apiVersion: 'autoscaling/v2beta2',
    kinds: ['HorizontalPodAutoscaler'],
    removedIn: '1.26',
    replacement: 'autoscaling/v2',
  },
  {
    apiVersion: 'autoscaling/v2beta1',
    kinds: ['HorizontalPodAutoscaler'],
    removedIn: '1.25',
    replacement: 'autoscaling/v2',
  },
  { apiVersion: 'batch/v1beta1', kinds: ['CronJob'], removedIn: '1.25', replacement: 'batch/v1' },
  { apiVersion: 'policy/v1beta1', kinds: ['PodDisruptionBudget'], removedIn: '1.25', replacement: 'policy/v1' },
];

/** An API Kubernetes removed: reported by removedApiRule. */
export const isRemovedApi = (apiVersion: string, kind: string): boolean =>
  REMOVED_APIS.some((r) => r.apiVersion === apiVersion && r.kinds.includes(kind));

const removed = (message: string, path: string, hint: string): Diagnostic =>
  diagnostic('error', 'removed-api', message, { path, hint });

export const removedApiRule: Rule = {
  code: 'removed-api',
  description:
    'APIs removed from Kubernetes: autoscaling/v2beta2 HPAs (1.26), including StarRocks autoScalingPolicy version v2beta2 and the legacy ComputeNodeGroup operator',
  appliesTo: (kind, apiVersion) =>
    REMOVED_APIS.some((r) => r.apiVersion === apiVersion && r.kinds.includes(kind)) ||
    groupOf(apiVersion) === STARROCKS_GROUP,
  check(obj) {
    const api = REMOVED_APIS.find((r) => r.apiVersion === obj.apiVersion && r.kinds.includes(obj.kind ?? ''));
    if (api) {
      return [
        removed(
          `${api.apiVersion} ${obj.kind} was removed in Kubernetes ${api.removedIn}`,
          'apiVersion',
          `set apiVersion: ${api.replacement}${api.replacement === 'autoscaling/v2' ? '; metrics and behavior keep the same shape' : ''}`,
        ),
      ];
    }
    if (obj.kind === 'ComputeNodeGroup' && isObject(obj.spec?.autoScalingPolicy)) {
      // The v1alpha1 operator builds its HPA from k8s.io/api/autoscaling/v2beta2 and has no version switch.
      return [
        removed(
          'the legacy ComputeNodeGroup operator creates this autoScalingPolicy as an autoscaling/v2beta2 HorizontalPodAutoscaler, removed in Kubernetes 1.26',
          'spec.autoScalingPolicy',
          'move the CN group to a StarRocksCluster (starrocks.com/v1) starRocksCnSpec with autoScalingPolicy.version: v2, or drop autoScalingPolicy',
        ),
      ];
    }
    return autoScalingPolicies(obj).flatMap(({ policy, path }): Diagnostic[] => {
      if (policy.version === 'v2beta2') {
        return [
          removed(
            'autoScalingPolicy version v2beta2 makes the operator create an autoscaling/v2beta2 HPA, removed in Kubernetes 1.26',
            joinPath([...path, 'version']),
            'set version: v2',
          ),
        ];
      }
      if (policy.version !== undefined) return [];
      // The CRD marks v2beta2 as the default in some operator releases; saying v2 costs nothing.
      return [
        diagnostic(
          'info',
          'removed-api',
          'autoScalingPolicy has no version; some StarRocks operator releases default it to v2beta2, removed in Kubernetes 1.26',
          {
            path: joinPath(path),
            hint: 'set autoScalingPolicy.version: v2',
          },
        ),
      ];
    });
  },
};
