// Escape: /validate honoured a profile reserved for another namespace. Mutation and
// validation now resolve a pod's spec with one function (policies/profile-choice.ts).
import { describe, expect, it } from 'vitest';
import { enforce } from '../../policies/enforcement.js';
import { inject } from '../../policies/engine.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_PROFILE, type Policy } from '../../policies/model.js';
import { chooseProfile } from '../../policies/profile-choice.js';
import { policyWith } from '../fixtures/policy.js';

const POLICY: Policy = policyWith(
  {
    mode: 'Enforce',
    limits: { allowedHostPaths: ['/data/shared'], allowedRegistries: ['registry.internal'] },
  },
  {
    'team-a-data': {
      allowedNamespaces: ['team-a'],
      alluxio: { domainSocket: { hostPath: '/data/team-a' } },
      images: { mirrors: [{ from: 'ghcr.io', to: 'registry.internal' }] },
    },
    'labelled-data': {
      namespaceSelector: { matchLabels: { tier: 'gold' } },
      alluxio: { domainSocket: { hostPath: '/data/gold' } },
    },
  },
);

/** A plain pod (no workload: never injected) mounting a hostPath, asking for a profile. */
const hostPathPod = (path: string, profile?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ...(profile ? { annotations: { [ANNOTATION_PROFILE]: profile } } : {}) },
  spec: {
    containers: [
      { name: 'c', image: 'registry.internal/app:1', volumeMounts: [{ name: 'h', mountPath: '/opt/domain' }] },
    ],
    volumes: [{ name: 'h', hostPath: { path } }],
  },
});

const verdict = (pod: Pod, namespace: string, namespaceLabels?: Record<string, string>) =>
  enforce({ object: pod, operation: 'CREATE', inject: { namespace, namespaceLabels } }, POLICY);

describe('a profile reserved for other namespaces is not honoured by validation', () => {
  it('team-b cannot reach team-a’s socket directory by naming team-a’s profile', () => {
    for (const profile of [undefined, 'team-a-data']) {
      const v = verdict(hostPathPod('/data/team-a', profile), 'team-b');
      expect(v.allowed, String(profile)).toBe(false);
      expect(v.denials.map((f) => f.rule)).toContain('hostpath-not-allowed');
    }
    // The owner still gets it.
    const owner = verdict(hostPathPod('/data/team-a', 'team-a-data'), 'team-a');
    expect(owner.denials.map((f) => f.diagnostic.message)).toEqual([]);
  });

  it('a namespaceSelector profile is granted by the namespace’s labels, not by the pod', () => {
    expect(verdict(hostPathPod('/data/gold', 'labelled-data'), 'team-b', { tier: 'gold' }).allowed).toBe(true);
    expect(verdict(hostPathPod('/data/gold', 'labelled-data'), 'team-b', { tier: 'bronze' }).allowed).toBe(false);
    // Labels unknown (no cluster): not granted, as mutation does.
    expect(verdict(hostPathPod('/data/gold', 'labelled-data'), 'team-b').allowed).toBe(false);
  });

  it('mutation and validation resolve the same spec, for every profile, namespace and labels', () => {
    const pod = (profile: string): Pod => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'x', labels: { 'spark-role': 'executor' }, annotations: { [ANNOTATION_PROFILE]: profile } },
      spec: { containers: [{ name: 'spark-kubernetes-executor', image: 'registry.internal/spark:1' }] },
    });
    for (const profile of ['team-a-data', 'labelled-data', 'nope', 'constructor', '__proto__'])
      for (const namespace of ['team-a', 'team-b'])
        for (const labels of [undefined, { tier: 'gold' }]) {
          const scope = { namespace, namespaceLabels: labels };
          const injected = inject(pod(profile), POLICY, scope);
          const chosen = chooseProfile(profile, POLICY, scope);
          expect(injected.profile, `${profile} in ${namespace}`).toBe(chosen.profile);
          // The socket the pod got is the one its validation allows.
          const socket = injected.pod.spec?.volumes?.find((v) => v.hostPath)?.hostPath?.path;
          expect(socket, `${profile} in ${namespace}`).toBe(chosen.spec.alluxio.domainSocket.hostPath);
        }
  });
});
