// Which pods graphdata recognises, and which of their containers it touches.
// Adding a workload means adding one entry here.
import type { Pod } from './k8s.js';

export type WorkloadName = 'spark-driver' | 'spark-executor' | 'starrocks-cn' | 'graphscope-engine';
export type MutatorName = 'client-jar' | 'client-config' | 'domain-socket' | 'placement' | 'images';
/** How a JVM in the target container finds the client jar. */
export type JarDelivery = 'spark-classpath' | 'cn-hdfs-lib' | 'none';

export interface Workload {
  name: WorkloadName;
  /** Label sets that identify the workload: any one set matches, all labels of a set must. */
  labelSets: readonly Readonly<Record<string, string>>[];
  /** Container names to inject into, in preference order; never guessed by index. */
  targetContainers: readonly string[];
  mutators: readonly MutatorName[];
  jar: JarDelivery;
}

const ALL: readonly MutatorName[] = ['client-jar', 'client-config', 'domain-socket', 'placement', 'images'];

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'spark-driver',
    labelSets: [{ 'spark-role': 'driver' }],
    targetContainers: ['spark-kubernetes-driver'],
    // Drivers plan the job and read little data: no socket, and no pinning to cache nodes.
    mutators: ['client-jar', 'client-config', 'images'],
    jar: 'spark-classpath',
  },
  {
    name: 'spark-executor',
    labelSets: [{ 'spark-role': 'executor' }],
    targetContainers: ['spark-kubernetes-executor', 'executor'],
    mutators: ALL,
    jar: 'spark-classpath',
  },
  {
    name: 'starrocks-cn',
    // Operator v1 pods, and pods of the legacy ComputeNodeGroup.
    labelSets: [{ 'app.kubernetes.io/component': 'cn' }, { 'cn-component': 'deployment' }],
    targetContainers: ['cn', 'cn-container'],
    mutators: ALL,
    jar: 'cn-hdfs-lib',
  },
  {
    name: 'graphscope-engine',
    labelSets: [{ 'app.kubernetes.io/name': 'graphscope', 'app.kubernetes.io/component': 'engine' }],
    // Never `vineyard` or `dataset`: those sidecars manage shared memory, not reads.
    targetContainers: ['engine', 'executor'],
    mutators: ['client-config', 'domain-socket', 'placement', 'images'],
    jar: 'none',
  },
];

/** Each label set as [key, value] pairs, computed once: workloads are fixed at build time. */
const LABEL_PAIRS: ReadonlyMap<Workload, readonly (readonly [string, string][])[]> = new Map(
  WORKLOADS.map((w) => [w, w.labelSets.map((set) => Object.entries(set))]),
);

const matchesSet = (labels: Record<string, string>, pairs: readonly [string, string][]): boolean => {
  for (const [k, v] of pairs) if (labels[k] !== v) return false;
  return true;
};

export function detectWorkload(pod: Pod): Workload | undefined {
  const labels = pod.metadata?.labels ?? {};
  for (const [workload, sets] of LABEL_PAIRS) {
    for (const pairs of sets) if (matchesSet(labels, pairs)) return workload;
  }
  return undefined;
}

const matchDescriptions = new Map<Workload, string>();

/** `label spark-role=executor`, `labels a=b and c=d`, alternatives joined by "or": for `explain`. */
export function describeMatch(workload: Workload): string {
  let text = matchDescriptions.get(workload);
  if (text === undefined) {
    text = workload.labelSets
      .map((set) => {
        const pairs = Object.entries(set).map(([k, v]) => `${k}=${v}`);
        return `${pairs.length > 1 ? 'labels' : 'label'} ${pairs.join(' and ')}`;
      })
      .join(' or ');
    // Only the fixed WORKLOADS are remembered; a workload built elsewhere (a test) is described afresh.
    if (LABEL_PAIRS.has(workload)) matchDescriptions.set(workload, text);
  }
  return text;
}

/**
 * CEL for the webhook's matchConditions: true for pods of any known workload, so the
 * apiserver does not even call us for other pods. Derived from WORKLOADS, never hand-kept.
 */
export function workloadMatchCondition(): string {
  const labelTest = (k: string, v: string) =>
    `('${k}' in object.metadata.labels && object.metadata.labels['${k}'] == '${v}')`;
  const sets = WORKLOADS.flatMap((w) => w.labelSets).map((set) =>
    Object.entries(set)
      .map(([k, v]) => labelTest(k, v))
      .join(' && '),
  );
  return `has(object.metadata.labels) && (${[...new Set(sets)].map((s) => `(${s})`).join(' || ')})`;
}

const TARGET_SETS = new Map<Workload, ReadonlySet<string>>(WORKLOADS.map((w) => [w, new Set(w.targetContainers)]));

/** Names of the pod's containers that the workload targets (all that match, in pod order, each once). */
export function targetContainerNames(pod: Pod, workload: Workload): string[] {
  const wanted = TARGET_SETS.get(workload) ?? new Set(workload.targetContainers);
  const found: string[] = [];
  for (const c of pod.spec?.containers ?? []) {
    // At most a few names are wanted, so `found` stays short: checking it is not quadratic.
    if (wanted.has(c.name) && !found.includes(c.name)) found.push(c.name);
  }
  return found;
}
