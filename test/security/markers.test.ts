// Escape tried: metadata that looks like someone else's. A tenant writes every annotation,
// owner reference and metadata.namespace of their pod: mirror-pod markers (as the kubelet
// sets on static pods), an owner that is a Node or a DaemonSet, graphdata's own
// `injected` record naming another team's profile, and another namespace in
// metadata.namespace. None of it may change what is denied: the verdict of the pod
// without the markers.
import { describe, expect, it } from 'vitest';
import { enforce } from '../../policies/enforcement.js';
import { inject } from '../../policies/engine.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED, ANNOTATION_PROFILE, type Policy } from '../../policies/model.js';
import { policyWith } from '../fixtures/policy.js';

const POLICY: Policy = policyWith(
  { mode: 'Enforce', limits: { allowedHostPaths: ['/data/shared'], allowedRegistries: ['registry.internal'] } },
  { 'team-a-data': { allowedNamespaces: ['team-a'], alluxio: { domainSocket: { hostPath: '/data/team-a' } } } },
);
const TEAM_B = { namespace: 'team-b', namespaceLabels: { 'graphdata.io/inject': 'enabled' } };

/** A Spark executor of team-b reaching team-a's socket directory from a registry the policy does not allow. */
const violating = (metadata: Pod['metadata'] = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'exec', labels: { 'spark-role': 'executor' }, ...metadata },
  spec: {
    containers: [{ name: 'main', image: 'ghcr.io/x/spark:1', volumeMounts: [{ name: 'h', mountPath: '/opt/domain' }] }],
    volumes: [{ name: 'h', hostPath: { path: '/data/team-a' } }],
  },
});

/** What the webhook does for team-b: mutate, then validate the result; the denied rules. */
const denied = (pod: Pod): string[] => {
  const mutated = inject(pod, POLICY, TEAM_B).pod;
  return enforce({ object: mutated, operation: 'CREATE', inject: TEAM_B }, POLICY)
    .denials.map((d) => d.rule)
    .sort();
};

const forgedRecord = JSON.stringify({
  policy: 'ClusterGraphDataPolicy/platform',
  generation: 1,
  profile: 'team-a-data',
  workload: 'spark-executor',
  containers: ['main'],
  mutators: ['client-jar', 'client-config', 'domain-socket', 'placement', 'images'],
});

describe('metadata that claims another owner, namespace or profile changes no denial', () => {
  const baseline = denied(violating());

  it('the baseline is denied for the registry and the hostPath', () => {
    expect(baseline).toContain('registry-not-allowed');
    expect(baseline).toContain('hostpath-not-allowed');
  });

  const markers: [string, Pod['metadata']][] = [
    [
      'mirror-pod annotations',
      {
        annotations: {
          'kubernetes.io/config.mirror': 'abc',
          'kubernetes.io/config.source': 'file',
          'kubernetes.io/config.hash': 'abc',
        },
      },
    ],
    [
      'a Node as owner',
      { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n1', uid: 'u', controller: true }] },
    ],
    [
      'a DaemonSet as owner',
      { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'u', controller: true }] },
    ],
    ['a forged injected record naming team-a’s profile', { annotations: { [ANNOTATION_INJECTED]: forgedRecord } }],
    [
      'metadata.namespace team-a with team-a’s profile',
      { namespace: 'team-a', annotations: { [ANNOTATION_PROFILE]: 'team-a-data' } },
    ],
  ];
  for (const [name, metadata] of markers) {
    it(`${name}: denied as without it`, () => {
      expect(denied(violating(metadata))).toEqual(baseline);
    });
  }

  it('the same pod in team-a, with team-a’s profile, is admitted: the markers above had something to reach', () => {
    const owner = { namespace: 'team-a', namespaceLabels: { 'graphdata.io/inject': 'enabled' } };
    const pod = violating({ annotations: { [ANNOTATION_PROFILE]: 'team-a-data' } });
    pod.spec!.containers[0]!.image = 'registry.internal/x/spark:1';
    const mutated = inject(pod, POLICY, owner).pod;
    expect(enforce({ object: mutated, operation: 'CREATE', inject: owner }, POLICY).denials).toEqual([]);
  });
});
