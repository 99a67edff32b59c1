// The kinds `scaffold` can write and the flags each one reads. Kept free of imports so
// the command module and shell completion can load it without paying for the builders.

export const SCAFFOLD_KINDS = ['spark', 'cn', 'starrocks-cluster', 'dataset', 'graphscope', 'policy'] as const;
export type ScaffoldKind = (typeof SCAFFOLD_KINDS)[number];

export const isScaffoldKind = (word: string): word is ScaffoldKind =>
  (SCAFFOLD_KINDS as readonly string[]).includes(word);

/** One line per kind, for `--help` and the unknown-kind error. */
export const KIND_SUMMARIES: Record<ScaffoldKind, string> = {
  spark: 'SparkApplication (sparkoperator.k8s.io/v1beta2) + driver ServiceAccount, Role, RoleBinding',
  cn: 'legacy StarRocks ComputeNodeGroup (starrocks.com/v1alpha1) + FE account Secret + cn.conf ConfigMap + autoscaling/v2 HPA',
  'starrocks-cluster': 'StarRocksCluster (starrocks.com/v1) with FE and autoscaled CN',
  dataset: 'Fluid Dataset + AlluxioRuntime + HPA on capacity_used_rate + prometheus-adapter rule',
  graphscope: 'Namespace opted in to injection + coordinator RBAC + session/Helm values for offline images',
  policy: 'starter GraphDataPolicy (or ClusterGraphDataPolicy with --cluster)',
};

/** Flags that only make sense for some kinds; giving one to another kind is a usage error. */
export const KIND_FLAGS: Record<ScaffoldKind, readonly string[]> = {
  spark: [
    '--image',
    '--type',
    '--main-class',
    '--main-file',
    '--arg',
    '--spark-version',
    '--driver-cores',
    '--driver-memory',
    '--executors',
    '--executor-cores',
    '--executor-memory',
    '--service-account',
    '--no-webhook',
    '--policy',
  ],
  cn: [
    '--image',
    '--components-image',
    '--fe-address',
    '--fe-user',
    '--min-replicas',
    '--max-replicas',
    '--cpu',
    '--memory',
    '--operator-autoscaling',
  ],
  'starrocks-cluster': [
    '--image',
    '--fe-image',
    '--fe-replicas',
    '--min-replicas',
    '--max-replicas',
    '--cpu',
    '--memory',
  ],
  dataset: [
    '--mount',
    '--alluxio-image',
    '--mem-quota',
    '--ssd-quota',
    '--ssd-path',
    '--min-replicas',
    '--max-replicas',
    '--scale-at',
  ],
  graphscope: ['--registry', '--graphscope-version', '--workers', '--cpu', '--memory', '--service-account'],
  policy: [
    '--cluster',
    '--mode',
    '--allowed-registries',
    '--max-executor-cores',
    '--max-executor-memory',
    '--max-cn-replicas',
    '--policy',
  ],
};
