// `--no-webhook`: what the webhook would inject into Spark pods, computed by the same
// engine and lifted into SparkApplication fields, for clusters that run no webhook.
import type { V1Affinity, V1EnvVar, V1LocalObjectReference, V1VolumeMount } from '@kubernetes/client-node';
import { inject } from '../../../policies/engine.js';
import type { Container, Pod, Volume } from '../../../policies/k8s.js';
import type { Policy } from '../../../policies/model.js';
import { WORKLOADS } from '../../../policies/workloads.js';

export type SparkRole = 'driver' | 'executor';

export interface SparkRoleWiring {
  image: string;
  imagePullPolicy?: string;
  imagePullSecrets: string[];
  volumes: Volume[];
  initContainers: Container[];
  volumeMounts: V1VolumeMount[];
  env: V1EnvVar[];
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  /** Client jar for `spark.<role>.extraClassPath`. */
  classPath?: string;
  /** `-Dalluxio.*` options that need no env expansion, for `<role>.javaOptions`. */
  javaOptions: string[];
}

export function sparkWiring(policy: Policy, role: SparkRole, image: string, namespace: string): SparkRoleWiring {
  const workload = WORKLOADS.find((w) => w.name === `spark-${role}`)!;
  const pod: Pod = {
    metadata: { namespace, labels: { 'spark-role': role } },
    spec: { containers: [{ name: workload.targetContainers[0]!, image }] },
  };
  const result = inject(pod, policy, { namespace });
  if (result.status !== 'injected')
    throw new Error(`engine did not inject a synthetic spark-${role} pod: ${result.reason}`);
  const spec = result.pod.spec!;
  const container = spec.containers[0]!;
  const env = container.env ?? [];
  const value = (name: string): string | undefined => env.find((e) => e.name === name)?.value;

  // spark-submit passes javaOptions and extraClassPath natively; env, volumes and init
  // containers need the operator's own pod mutation. Options that reference $(VAR) only
  // expand in env values, so they stay in JAVA_TOOL_OPTIONS next to the variable.
  const tokens = (value('JAVA_TOOL_OPTIONS') ?? '').split(/\s+/).filter(Boolean);
  const expanding = tokens.filter((t) => t.includes('$('));
  const keptEnv = env.filter((e) => e.name !== 'SPARK_EXTRA_CLASSPATH' && e.name !== 'JAVA_TOOL_OPTIONS');
  if (expanding.length) keptEnv.push({ name: 'JAVA_TOOL_OPTIONS', value: expanding.join(' ') });

  const classPath = value('SPARK_EXTRA_CLASSPATH');
  return {
    image: container.image ?? image,
    ...(container.imagePullPolicy ? { imagePullPolicy: container.imagePullPolicy } : {}),
    imagePullSecrets: (spec.imagePullSecrets ?? [])
      .map((s: V1LocalObjectReference) => s.name)
      .filter((n): n is string => Boolean(n)),
    volumes: spec.volumes ?? [],
    initContainers: spec.initContainers ?? [],
    volumeMounts: container.volumeMounts ?? [],
    env: keptEnv,
    ...(spec.nodeSelector ? { nodeSelector: spec.nodeSelector } : {}),
    ...(spec.affinity ? { affinity: spec.affinity } : {}),
    ...(classPath ? { classPath } : {}),
    javaOptions: tokens.filter((t) => !t.includes('$(')),
  };
}
