// Which pods graphdata recognises, and which of their containers it touches.
// Adding a workload means adding one entry here.
import type { Pod } from './k8s.js';

export type WorkloadName = 'spark-driver' | 'spark-executor' | 'starrocks-cn' | 'graphscope-engine';
export type MutatorName = 'client-jar' | 'client-config' | 'domain-socket' | 'placement' | 'images';
/** How a JVM in the target container finds the client jar. */
export type JarDelivery = 'spark-classpath' | 'cn-hdfs-lib' | 'none';

export interface Workload {
  name: WorkloadName;
  /** Human wording of the match, for `explain`. */
  matchDescription: string;
  matches(labels: Record<string, string>): boolean;
  /** Container names to inject into, in preference order; never guessed by index. */
  targetContainers: readonly string[];
  mutators: readonly MutatorName[];
  jar: JarDelivery;
}

const ALL: readonly MutatorName[] = ['client-jar', 'client-config', 'domain-socket', 'placement', 'images'];

export const WORKLOADS: readonly Workload[] = [
  {
    name: 'spark-driver',
    matchDescription: 'label spark-role=driver',
    matches: (l) => l['spark-role'] === 'driver',
    targetContainers: ['spark-kubernetes-driver'],
    // Drivers plan the job and read little data: no socket, and no pinning to cache nodes.
    mutators: ['client-jar', 'client-config', 'images'],
    jar: 'spark-classpath',
  },
  {
    name: 'spark-executor',
    matchDescription: 'label spark-role=executor',
    matches: (l) => l['spark-role'] === 'executor',
    targetContainers: ['spark-kubernetes-executor', 'executor'],
    mutators: ALL,
    jar: 'spark-classpath',
  },
  {
    name: 'starrocks-cn',
    matchDescription: 'label app.kubernetes.io/component=cn (operator v1) or cn-component=deployment (legacy ComputeNodeGroup)',
    matches: (l) => l['app.kubernetes.io/component'] === 'cn' || l['cn-component'] === 'deployment',
    targetContainers: ['cn', 'cn-container'],
    mutators: ALL,
    jar: 'cn-hdfs-lib',
  },
  {
    name: 'graphscope-engine',
    matchDescription: 'labels app.kubernetes.io/name=graphscope and app.kubernetes.io/component=engine',
    matches: (l) => l['app.kubernetes.io/name'] === 'graphscope' && l['app.kubernetes.io/component'] === 'engine',
    // Never `vineyard` or `dataset`: those sidecars manage shared memory, not reads.
    targetContainers: ['engine', 'executor'],
    mutators: ['client-config', 'domain-socket', 'placement', 'images'],
    jar: 'none',
  },
];

export function detectWorkload(pod: Pod): Workload | undefined {
  const labels = pod.metadata?.labels ?? {};
  return WORKLOADS.find((w) => w.matches(labels));
}

/** Names of the pod's containers that the workload targets (all that match, in pod order). */
export function targetContainerNames(pod: Pod, workload: Workload): string[] {
  return (pod.spec?.containers ?? []).map((c) => c.name).filter((n) => workload.targetContainers.includes(n));
}
