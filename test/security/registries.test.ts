// Escape: a mirror made the registry rule admit images it never rewrote. The rule now
// judges the image the object names; for a pod that is the image after mutation.
import { describe, expect, it } from 'vitest';
import { enforce } from '../../policies/enforcement.js';
import { inject } from '../../policies/engine.js';
import type { Pod } from '../../policies/k8s.js';
import { checkLayering, effectivePolicy, namespacePolicyFromObject } from '../../policies/layering.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { policyWith } from '../fixtures/policy.js';

const CLUSTER = {
  ...policyWith({
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io', 'registry.internal'] },
    images: { mirrors: [{ from: 'quay.io', to: 'registry.internal' }] },
  }),
  name: 'platform',
};
const OPT_IN = { namespace: 'team-b', namespaceLabels: { 'graphdata.io/inject': 'enabled' } };

const withImage = (pod: Pod, image: string): Pod => {
  pod.spec!.containers[0]!.image = image;
  return pod;
};
const plainPod = (image: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'plain' },
  spec: { containers: [{ name: 'c', image }] },
});
/** What the webhook does: mutate, then validate the mutated pod. */
const admit = (pod: Pod, policy = CLUSTER) =>
  enforce({ object: inject(pod, policy, OPT_IN).pod, operation: 'CREATE', inject: OPT_IN }, policy);

describe('mirrors do not widen allowedRegistries', () => {
  it('a plain pod naming a mirrored registry is denied (nothing rewrites it)', () => {
    const v = admit(plainPod('quay.io/attacker/miner:1'));
    expect(v.allowed).toBe(false);
    expect(v.denials[0]!.diagnostic.message).toContain('image quay.io/attacker/miner:1 comes from quay.io');
  });

  it('an opted-out executor is denied; the same executor injected is rewritten and admitted', () => {
    const optedOut = withImage(sparkExecutorPod(), 'quay.io/attacker/miner:1');
    optedOut.metadata!.labels!['graphdata.io/inject'] = 'false';
    expect(admit(optedOut).allowed).toBe(false);
    const injected = inject(withImage(sparkExecutorPod(), 'quay.io/acme/spark:1'), CLUSTER, OPT_IN).pod;
    expect(injected.spec!.containers[0]!.image).toBe('registry.internal/acme/spark:1');
    expect(admit(withImage(sparkExecutorPod(), 'quay.io/acme/spark:1')).allowed).toBe(true);
  });

  it('a tenant’s own mirror in its GraphDataPolicy admits nothing more', () => {
    const { policy: ns } = namespacePolicyFromObject({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { name: 'mine', namespace: 'team-b' },
      spec: { images: { mirrors: [{ from: 'ghcr.io', to: 'registry.internal' }] } },
    });
    expect(checkLayering(CLUSTER, ns!)).toEqual([]);
    const effective = effectivePolicy(CLUSTER, ns);
    const optedOut = withImage(sparkExecutorPod(), 'ghcr.io/attacker/miner:1');
    optedOut.metadata!.labels!['graphdata.io/inject'] = 'false';
    expect(admit(optedOut, effective).allowed).toBe(false);
    expect(admit(plainPod('ghcr.io/attacker/miner:1'), effective).allowed).toBe(false);
  });

  it('a custom resource is judged by the image it names (pods it creates may be opted out)', () => {
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'a', namespace: 'team-b' },
      spec: { image: 'quay.io/acme/spark:1', executor: { labels: { 'graphdata.io/inject': 'false' } } },
    };
    const v = enforce({ object: app, operation: 'CREATE', inject: OPT_IN }, CLUSTER);
    const registry = v.denials.find((f) => f.rule === 'registry-not-allowed');
    expect(registry?.diagnostic.path).toBe('spec.image');
    expect(registry?.diagnostic.hint).toContain('write the mirrored image registry.internal/acme/spark:1 here');
  });
});

describe('image volumes are judged like container images', () => {
  it('a pod mounting an image from a registry the policy does not allow is denied', () => {
    const pod = plainPod('docker.io/library/busybox:1.36');
    pod.spec!.volumes = [{ name: 'loot', image: { reference: 'quay.io/attacker/tools:1' } }];
    const v = admit(pod);
    expect(v.allowed).toBe(false);
    expect(v.denials[0]!.diagnostic.message).toContain('image quay.io/attacker/tools:1 comes from quay.io');
    expect(v.denials[0]!.diagnostic.path).toBe('spec.volumes[0].image.reference');
  });

  it('the Alluxio image volume graphdata injects is admitted where its registry is allowed', () => {
    const policy = {
      ...CLUSTER,
      spec: { ...CLUSTER.spec, alluxio: { ...CLUSTER.spec.alluxio, clientJar: { delivery: 'imageVolume' as const } } },
    };
    const injected = inject(sparkExecutorPod(), policy, OPT_IN).pod;
    expect(injected.spec!.volumes!.some((v) => v.image?.reference === 'alluxio/alluxio:2.9.4')).toBe(true);
    expect(admit(sparkExecutorPod(), policy).allowed).toBe(true);
  });
});
