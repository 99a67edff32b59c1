// Randomised pod shapes (seeded, so a failure reproduces): whatever a pod already has,
// injection applies as a patch, never duplicates a name or mount path, never adds a
// volume that nothing mounts, and is a no-op the second time.
import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import { applyPodPatch, podPatch } from '../../support/pod-patch.js';
import { randomPod, rng } from '../../fixtures/random-pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { danglingAddedVolumes } from '../../support/pod-invariants.js';

const policies = [
  policyWith({}),
  policyWith({
    placement: { mode: 'required' },
    images: {
      mirrors: [{ from: 'docker.io', to: 'mirror.local' }],
      pullSecrets: ['s'],
      pullPolicy: 'Never',
      defaultTags: {},
    },
  }),
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
      expect(danglingAddedVolumes(original, first.pod), label).toEqual([]);
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
