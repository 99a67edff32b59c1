// Randomised pod shapes (seeded, so a failure reproduces): whatever a pod already has,
// injection applies as a patch, never duplicates a name or mount path, and is a no-op
// the second time.
import { describe, expect, it } from 'vitest';
import { applyPodPatch, inject, podPatch, type Container, type Pod } from '../../../policies/index.js';
import { graphscopeEnginePod, legacyComputeNodePod, sparkDriverPod, sparkExecutorPod, starrocksCnPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';

function rng(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const BASES = [sparkExecutorPod, sparkDriverPod, starrocksCnPod, legacyComputeNodePod, graphscopeEnginePod];

function randomPod(random: () => number): Pod {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const pod = pick(BASES)();
  const spec = pod.spec!;
  const main = spec.containers[0]!;
  const maybe = (p: number, f: () => void) => random() < p && f();
  maybe(0.3, () => (spec.volumes ??= []).push(pick([{ name: 'graphdata-alluxio-domain', emptyDir: {} }, { name: 'graphdata-alluxio-domain', hostPath: { path: '/tmp/alluxio-domain', type: 'Directory' } }, { name: 'graphdata-alluxio-client', emptyDir: {} }])));
  maybe(0.3, () => (main.env ??= []).push(pick([{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g -Dalluxio.master.hostname=other' }, { name: 'JAVA_TOOL_OPTIONS', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'SPARK_EXTRA_CLASSPATH', value: '/a.jar' }, { name: 'ALLUXIO_CLIENT_HOSTNAME', value: '1.2.3.4' }])));
  maybe(0.3, () => (main.volumeMounts ??= []).push({ name: (spec.volumes ??= [{ name: 'scratch', emptyDir: {} }])[0]!.name, mountPath: pick(['/opt/domain', '/opt/graphdata/alluxio-client', '/scratch']) }));
  maybe(0.3, () => (spec.nodeSelector = { alluxio: pick(['true', 'false']), 'kubernetes.io/os': 'linux' }));
  maybe(0.3, () => (spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: pick(['zone', 'alluxio']), operator: 'In', values: ['a'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } }));
  // Inputs stay valid pods (unique container names): the apiserver would refuse anything else.
  maybe(0.2, () => (spec.initContainers = [{ name: pick(['setup', 'graphdata-alluxio-client']), image: 'busybox:1.36' }]));
  maybe(0.2, () => {
    const name = pick(['sidecar', 'graphdata-alluxio-client']);
    if (![...spec.containers, ...(spec.initContainers ?? [])].some((c) => c.name === name)) spec.containers.push({ name, image: 'alpine' } as Container);
  });
  maybe(0.2, () => (pod.metadata!.annotations = { 'graphdata.io/dataset': 'ds', 'graphdata.io/profile': pick(['prefer-cache-nodes', 'nope']) }));
  maybe(0.1, () => (spec.hostNetwork = true));
  return pod;
}

const policies = [
  policyWith({}),
  policyWith({ placement: { mode: 'required' }, images: { mirrors: [{ from: 'docker.io', to: 'mirror.local' }], pullSecrets: ['s'], pullPolicy: 'Never', defaultTags: {} } }),
];

describe('randomised pod shapes', () => {
  it('500 pods: patch applies, nothing duplicated, second pass empty', () => {
    const random = rng(20261122);
    for (let i = 0; i < 500; i++) {
      const original = randomPod(random);
      const policy = policies[i % policies.length]!;
      const label = `pod #${i}: ${JSON.stringify(original)}`;
      const first = inject(original, policy, { namespace: 'ns' });
      expect(applyPodPatch(original, podPatch(original, first.pod)), label).toEqual(first.pod);
      const spec = first.pod.spec!;
      const names = [...spec.containers, ...(spec.initContainers ?? [])].map((c) => c.name);
      expect(new Set(names).size, label).toBe(names.length);
      expect(new Set((spec.volumes ?? []).map((v) => v.name)).size, label).toBe(spec.volumes?.length ?? 0);
      for (const c of spec.containers) {
        expect(new Set((c.volumeMounts ?? []).map((m) => m.mountPath)).size, label).toBe(c.volumeMounts?.length ?? 0);
        expect(new Set((c.env ?? []).map((e) => e.name)).size, label).toBe(c.env?.length ?? 0);
      }
      expect(podPatch(first.pod, inject(first.pod, policy, { namespace: 'ns' }).pod), label).toEqual([]);
    }
  });
});
