// Policy limits on sizes: required requests/limits, executor cores and memory caps,
// CN replica caps. Only checked when the policy sets them; severity follows its mode.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import type { Segments } from '../diagnostics.js';
import { podViews, sparkApplicationSpec } from './pod-view.js';
import { formatBytes, parseCpu, parseK8sMemory, parseLimitMemory, parseSparkMemory } from './quantity.js';
import { resourceSites } from './resource-sites.js';
import {
  SPARK_GROUP,
  STARROCKS_GROUP,
  groupOf,
  isObject,
  isWorkloadKind,
  modeSeverity,
  type KubeObject,
  type Rule,
} from './types.js';

const REQUIRED = [
  ['requests', 'cpu'],
  ['requests', 'memory'],
  ['limits', 'memory'],
] as const;

export const resourcesRequiredRule: Rule = {
  code: 'resources-required',
  description:
    'containers and StarRocks components without cpu/memory requests and a memory limit, when the policy sets limits.requireResources',
  appliesTo: (kind, apiVersion) => isWorkloadKind(kind, apiVersion) && groupOf(apiVersion) !== SPARK_GROUP,
  check(obj, ctx) {
    if (!ctx.spec.limits.requireResources) return [];
    return resourceSites(obj)
      .filter((site) => !site.init)
      .flatMap((site): Diagnostic[] => {
        const missing = REQUIRED.filter(([part, resource]) => site[part][resource] === undefined).map(
          ([part, resource]) => `${part}.${resource}`,
        );
        if (!missing.length) return [];
        return [
          diagnostic(
            modeSeverity(ctx, 'resources-required'),
            'resources-required',
            `${site.label} has no ${missing.join(', ')}; the policy requires requests and a memory limit`,
            {
              path: joinPath(site.path),
              hint: `set ${missing.join(', ')} under ${joinPath(site.path)}`,
            },
          ),
        ];
      });
  },
};

interface Amount {
  value: number;
  raw: string;
  path: Segments;
}

/** What an executor asks for, where it says so: SparkApplication fields and sparkConf, or the executor pod's env/resources. */
function executorAmounts(obj: KubeObject, what: 'cores' | 'memory'): Amount[] {
  const out: Amount[] = [];
  const add = (raw: unknown, value: number | undefined, path: Segments) => {
    if (value !== undefined) out.push({ value, raw: String(raw), path });
  };
  if (groupOf(obj.apiVersion ?? '') === SPARK_GROUP) {
    const app = sparkApplicationSpec(obj);
    if (!app) return [];
    const { spec, base } = app;
    const exec = isObject(spec.executor) ? spec.executor : {};
    const conf = isObject(spec.sparkConf) ? spec.sparkConf : {};
    if (what === 'cores') {
      for (const f of ['cores', 'coreRequest', 'coreLimit']) add(exec[f], parseCpu(exec[f]), [...base, 'executor', f]);
      add(conf['spark.executor.cores'], parseCpu(conf['spark.executor.cores']), [
        ...base,
        'sparkConf',
        'spark.executor.cores',
      ]);
    } else {
      add(exec.memory, parseSparkMemory(exec.memory), [...base, 'executor', 'memory']);
      add(conf['spark.executor.memory'], parseSparkMemory(conf['spark.executor.memory']), [
        ...base,
        'sparkConf',
        'spark.executor.memory',
      ]);
    }
    return out;
  }
  for (const view of podViews(obj).filter((v) => v.sparkRole === 'executor')) {
    for (const c of view.containers.filter((c) => !c.init)) {
      // spark-submit writes the executor's own numbers into its env; resources add overhead on top.
      const envName = what === 'cores' ? 'SPARK_EXECUTOR_CORES' : 'SPARK_EXECUTOR_MEMORY';
      const envIndex = c.env.findIndex((e) => e?.name === envName && typeof e.value === 'string');
      if (envIndex >= 0) {
        const raw = c.env[envIndex]!.value;
        add(raw, what === 'cores' ? parseCpu(raw) : parseSparkMemory(raw), [...c.envPath, envIndex, 'value']);
        continue;
      }
      const parse = what === 'cores' ? parseCpu : parseK8sMemory;
      const resource = what === 'cores' ? 'cpu' : 'memory';
      for (const part of ['requests', 'limits'] as const) {
        const raw = c.resources?.[part]?.[resource];
        add(raw, parse(raw), [...c.path, 'resources', part, resource]);
      }
    }
  }
  return out;
}

const isExecutorCarrier = (kind: string, apiVersion: string): boolean =>
  isWorkloadKind(kind, apiVersion) && groupOf(apiVersion) !== STARROCKS_GROUP;

export const executorCoresRule: Rule = {
  code: 'executor-cores-over-limit',
  description: 'Spark executor cores above the policy limits.maxExecutorCores',
  appliesTo: isExecutorCarrier,
  check(obj, ctx) {
    const max = ctx.spec.limits.maxExecutorCores;
    if (max === undefined) return [];
    return executorAmounts(obj, 'cores')
      .filter((a) => a.value > max)
      .map((a) =>
        diagnostic(
          modeSeverity(ctx, 'executor-cores-over-limit'),
          'executor-cores-over-limit',
          `executor cores ${a.raw} exceed the policy maximum of ${max}`,
          {
            path: joinPath(a.path),
            hint: `use at most ${max} cores per executor; add executors (instances) for more parallelism`,
          },
        ),
      );
  },
};

export const executorMemoryRule: Rule = {
  code: 'executor-memory-over-limit',
  description: 'Spark executor memory above the policy limits.maxExecutorMemory',
  appliesTo: isExecutorCarrier,
  check(obj, ctx) {
    const raw = ctx.spec.limits.maxExecutorMemory;
    const max = raw === undefined ? undefined : parseLimitMemory(raw);
    if (max === undefined) return [];
    return executorAmounts(obj, 'memory')
      .filter((a) => a.value > max)
      .map((a) =>
        diagnostic(
          modeSeverity(ctx, 'executor-memory-over-limit'),
          'executor-memory-over-limit',
          `executor memory ${a.raw} (${formatBytes(a.value)}) exceeds the policy maximum of ${raw} (${formatBytes(max)})`,
          {
            path: joinPath(a.path),
            hint: `use at most ${raw} per executor; add executors (instances) for more memory in total`,
          },
        ),
      );
  },
};

/** CN replica counts: fixed replicas and autoscaling maxima, in both StarRocks APIs. */
function cnReplicaCounts(obj: KubeObject): { value: unknown; path: Segments }[] {
  const at = (spec: any, base: Segments) =>
    isObject(spec)
      ? [
          { value: spec.replicas, path: [...base, 'replicas'] },
          { value: spec.autoScalingPolicy?.maxReplicas, path: [...base, 'autoScalingPolicy', 'maxReplicas'] },
        ]
      : [];
  if (obj.kind === 'StarRocksCluster') return at(obj.spec?.starRocksCnSpec, ['spec', 'starRocksCnSpec']);
  if (obj.kind === 'ComputeNodeGroup') return at(obj.spec, ['spec']);
  if (obj.kind === 'StarRocksWarehouse') return at(obj.spec?.template, ['spec', 'template']);
  return [];
}

export const cnReplicasRule: Rule = {
  code: 'cn-replicas-over-limit',
  description: 'StarRocks CN replicas or autoscaling maxReplicas above the policy limits.maxCnReplicas',
  appliesTo: (_kind, apiVersion) => groupOf(apiVersion) === STARROCKS_GROUP,
  check(obj, ctx) {
    const max = ctx.spec.limits.maxCnReplicas;
    if (max === undefined) return [];
    return cnReplicaCounts(obj)
      .filter((c) => typeof c.value === 'number' && c.value > max)
      .map((c) =>
        diagnostic(
          modeSeverity(ctx, 'cn-replicas-over-limit'),
          'cn-replicas-over-limit',
          `${String(c.path[c.path.length - 1])} ${String(c.value)} exceeds the policy maximum of ${max} CN replicas`,
          {
            path: joinPath(c.path),
            hint: `set it to ${max} or less`,
          },
        ),
      );
  },
};
