import { BUILT_IN_POLICY } from '../../../common/cluster-names.js';
import { describe, expect, it } from 'vitest';
import { compilePolicies, type CompileInput, type PolicyObject } from '../../../policies/policy-set.js';
import { defaultPolicy } from '../../fixtures/policy.js';

let uid = 0;
function obj(
  kind: 'ClusterGraphDataPolicy' | 'GraphDataPolicy',
  name: string,
  spec: Record<string, unknown>,
  extra: { namespace?: string; created?: string; generation?: number; uid?: string } = {},
): PolicyObject {
  return {
    apiVersion: 'graphdata.io/v1alpha1',
    kind,
    metadata: {
      name,
      uid: extra.uid ?? `uid-${++uid}`,
      generation: extra.generation ?? 1,
      creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z',
      ...(extra.namespace ? { namespace: extra.namespace } : {}),
    },
    spec,
  };
}
const cgdp = (name: string, spec: Record<string, unknown>, extra = {}) =>
  obj('ClusterGraphDataPolicy', name, spec, extra);
const gdp = (name: string, namespace: string, spec: Record<string, unknown>, extra = {}) =>
  obj('GraphDataPolicy', name, spec, { namespace, ...extra });

const base = (input: Partial<CompileInput>): CompileInput => ({
  clusterObjects: [],
  namespaceObjects: [],
  fallback: defaultPolicy(),
  fallbackSource: BUILT_IN_POLICY,
  generation: 1,
  ...input,
});
const ready = (statuses: ReturnType<typeof compilePolicies>['statuses'], name: string) =>
  statuses.find((s) => s.name === name)!.status.conditions.find((c) => c.type === 'Ready')!;
const invalid = (statuses: ReturnType<typeof compilePolicies>['statuses'], name: string) =>
  statuses.find((s) => s.name === name)!.status.conditions.find((c) => c.type === 'Invalid')!;

describe('compilePolicies', () => {
  it('with no ClusterGraphDataPolicy, the fallback is the cluster policy everywhere', () => {
    const { snapshot, statuses } = compilePolicies(base({}));
    expect(snapshot.cluster.name).toBe('default');
    expect(snapshot.source).toBe(BUILT_IN_POLICY);
    expect(snapshot.clusterPolicyName).toBeUndefined();
    expect(snapshot.policyFor('anything')).toBe(snapshot.cluster);
    expect(statuses).toEqual([]);
  });

  it('the oldest ClusterGraphDataPolicy is in effect (then by name); the others say which one is', () => {
    const { snapshot, statuses } = compilePolicies(
      base({
        clusterObjects: [
          cgdp('b-newer', { mode: 'Audit' }, { created: '2026-02-01T00:00:00Z' }),
          cgdp('z-old', { mode: 'Enforce' }, { created: '2026-01-01T00:00:00Z' }),
          cgdp('a-old', { mode: 'Enforce', limits: { maxCnReplicas: 3 } }, { created: '2026-01-01T00:00:00Z' }),
        ],
      }),
    );
    expect(snapshot.cluster.name).toBe('a-old');
    expect(snapshot.clusterPolicyName).toBe('a-old');
    expect(snapshot.cluster.spec.limits.maxCnReplicas).toBe(3);
    expect(ready(statuses, 'a-old')).toMatchObject({ status: 'True', reason: 'InEffect' });
    for (const other of ['b-newer', 'z-old']) {
      expect(ready(statuses, other)).toMatchObject({ status: 'False', reason: 'NotInEffect' });
      expect(ready(statuses, other).message).toContain('ClusterGraphDataPolicy a-old is in effect');
    }
    expect(statuses.every((s) => s.status.observedGeneration === 1)).toBe(true);
  });

  it('lays each namespace policy over the cluster policy, indexed by namespace', () => {
    const cluster = cgdp('platform', { mode: 'Enforce', limits: { maxExecutorCores: 8 } });
    const { snapshot, statuses } = compilePolicies(
      base({
        clusterObjects: [cluster],
        namespaceObjects: [
          gdp('team', 'team-a', { limits: { maxExecutorCores: 4 } }),
          gdp('team', 'team-b', { alluxio: { master: { hostname: 'b-master' } } }),
        ],
      }),
    );
    expect(snapshot.policyFor('team-a').spec.limits.maxExecutorCores).toBe(4);
    expect(snapshot.policyFor('team-b').spec.limits.maxExecutorCores).toBe(8);
    expect(snapshot.policyFor('team-b').spec.alluxio.master.hostname).toBe('b-master');
    expect(snapshot.policyFor('team-c')).toBe(snapshot.cluster);
    expect(snapshot.policyFor(undefined)).toBe(snapshot.cluster);
    expect(snapshot.namespacePolicy('team-a')?.name).toBe('team');
    expect(ready(statuses, 'team')).toMatchObject({ status: 'True', reason: 'InEffect' });
    expect(ready(statuses, 'team').message).toContain('laid over ClusterGraphDataPolicy platform');
    expect(Object.isFrozen(snapshot)).toBe(true);
  });

  it('one GraphDataPolicy per namespace: the oldest; the other is not merged in', () => {
    const { snapshot, statuses } = compilePolicies(
      base({
        namespaceObjects: [
          gdp('second', 'team-a', { limits: { maxCnReplicas: 1 } }, { created: '2026-03-01T00:00:00Z' }),
          gdp('first', 'team-a', { limits: { maxExecutorCores: 2 } }, { created: '2026-02-01T00:00:00Z' }),
        ],
      }),
    );
    expect(snapshot.policyFor('team-a').spec.limits).toEqual({ maxExecutorCores: 2 });
    expect(ready(statuses, 'second')).toMatchObject({ status: 'False', reason: 'NotInEffect' });
    expect(ready(statuses, 'second').message).toContain('GraphDataPolicy first is in effect in team-a');
  });

  it('a namespace policy that loosens the cluster policy in effect is not applied, and says why', () => {
    const { snapshot, statuses } = compilePolicies(
      base({
        clusterObjects: [cgdp('platform', { limits: { maxExecutorCores: 8 } })],
        namespaceObjects: [gdp('team', 'team-a', { limits: { maxExecutorCores: 16, maxCnReplicas: 1 } })],
      }),
    );
    expect(snapshot.policyFor('team-a')).toBe(snapshot.cluster);
    const r = ready(statuses, 'team');
    expect(r).toMatchObject({ status: 'False', reason: 'LoosensClusterPolicy' });
    expect(r.message).toContain('maxExecutorCores 16 is above the cluster limit maxExecutorCores 8');
    expect(r.message).toContain('ClusterGraphDataPolicy platform');
  });

  it('an invalid new generation keeps the last good one in effect; Invalid says what is wrong', () => {
    const first = compilePolicies(
      base({ clusterObjects: [cgdp('platform', { mode: 'Enforce', limits: { maxCnReplicas: 5 } }, { uid: 'p' })] }),
    );
    expect(first.snapshot.cluster.spec.limits.maxCnReplicas).toBe(5);
    const broken = cgdp('platform', { mode: 'Sometimes' }, { uid: 'p', generation: 2 });
    const second = compilePolicies(base({ clusterObjects: [broken], previous: first.state, generation: 2 }));
    expect(second.snapshot.cluster.spec.limits.maxCnReplicas).toBe(5);
    expect(second.snapshot.cluster.generation).toBe(1);
    expect(second.snapshot.generation).toBe(2);
    expect(ready(second.statuses, 'platform')).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(ready(second.statuses, 'platform').message).toContain('generation 1 stays in effect');
    expect(invalid(second.statuses, 'platform')).toMatchObject({ status: 'True', reason: 'SchemaInvalid' });
    expect(invalid(second.statuses, 'platform').message).toContain('spec.mode');
    expect(second.statuses[0]!.status.observedGeneration).toBe(2);
    // Fixed: the new generation applies.
    const fixed = cgdp('platform', { mode: 'Enforce', limits: { maxCnReplicas: 2 } }, { uid: 'p', generation: 3 });
    const third = compilePolicies(base({ clusterObjects: [fixed], previous: second.state, generation: 3 }));
    expect(third.snapshot.cluster.spec.limits.maxCnReplicas).toBe(2);
    expect(invalid(third.statuses, 'platform')).toMatchObject({ status: 'False' });
  });

  it('a policy that never compiled is not in effect; an older valid one is', () => {
    const { snapshot, statuses } = compilePolicies(
      base({
        clusterObjects: [
          cgdp('broken', { cache: 'nfs' }, { created: '2025-01-01T00:00:00Z' }),
          cgdp('good', { mode: 'Enforce' }, { created: '2026-01-01T00:00:00Z' }),
        ],
      }),
    );
    expect(snapshot.cluster.name).toBe('good');
    expect(ready(statuses, 'broken').message).toContain('not in effect');
  });

  it('reuses what it compiled for an unchanged generation', () => {
    const o = cgdp('platform', { mode: 'Enforce' }, { uid: 'same' });
    const first = compilePolicies(base({ clusterObjects: [o] }));
    const second = compilePolicies(base({ clusterObjects: [structuredClone(o)], previous: first.state }));
    expect(second.snapshot.cluster).toBe(first.snapshot.cluster);
  });

  it('compiles 200 namespace policies into a per-namespace index', () => {
    const namespaceObjects = Array.from({ length: 200 }, (_, i) =>
      gdp('p', `ns-${i}`, { limits: { maxExecutorCores: (i % 8) + 1 } }),
    );
    const { snapshot } = compilePolicies(
      base({ clusterObjects: [cgdp('c', { limits: { maxExecutorCores: 8 } })], namespaceObjects }),
    );
    expect(snapshot.policyFor('ns-13').spec.limits.maxExecutorCores).toBe(6);
    expect(snapshot.policyFor('ns-199').spec.limits.maxExecutorCores).toBe(8);
    // Computed once, when the snapshot was made: a request gets the same object, nothing is merged per call.
    expect(snapshot.policyFor('ns-13')).toBe(snapshot.policyFor('ns-13'));
    expect(snapshot.chosenNamespacePolicies).toHaveLength(200);
  });
});
