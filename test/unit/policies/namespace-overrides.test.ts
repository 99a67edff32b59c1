// namespaceOverrides: the platform's per-namespace tightenings inside the cluster policy,
// selected by namespace labels (which tenants cannot write), applied in order before the
// namespace's own GraphDataPolicy, which may not loosen them.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_POLICY } from '../../../common/cluster-names.js';
import { selectPolicies, builtInFallback } from '../../../plugin/kube/cluster-policies.js';
import { enforce } from '../../../policies/enforcement.js';
import { applyNamespaceOverrides, checkNamespaceOverrides, LOOSENS_CODE } from '../../../policies/layering.js';
import type { Policy } from '../../../policies/model.js';
import { policyCrd } from '../../../policies/policy-crds.js';
import { policyFromObject } from '../../../policies/policy-loader.js';
import { compilePolicies, type PolicyObject } from '../../../policies/policy-set.js';
import { checkObject, ruleContext } from '../../../policies/rules/index.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { policyObjectWarnings } from '../../../webhook/validation.js';

const STRICT = {
  name: 'strict',
  namespaceSelector: { matchLabels: { tier: 'strict' } },
  limits: { maxExecutorCores: 2 },
};
const clusterObject = (spec: Record<string, unknown>, name = 'platform'): PolicyObject => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name, uid: `uid-${name}`, generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
});
const load = (spec: Record<string, unknown>): Policy => {
  const { policy, diagnostics } = policyFromObject(clusterObject(spec));
  if (!policy) throw new Error(JSON.stringify(diagnostics));
  return policy;
};
const SPEC = {
  mode: 'Enforce',
  limits: { allowedRegistries: ['docker.io', 'registry.internal'], maxExecutorCores: 4 },
  namespaceOverrides: [STRICT],
};
const checkAll = (object: PolicyObject, policy: Policy) => checkObject(object, ruleContext(policy, [object]));
const executor = (cores: string) => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.env = [{ name: 'SPARK_EXECUTOR_CORES', value: cores }];
  return pod;
};

describe('the schema', () => {
  it('a cluster policy takes namespaceOverrides with a name and a selector; nothing but the tightening fields', () => {
    expect(load(SPEC).spec.namespaceOverrides).toEqual([STRICT]);
    const misspelt = policyFromObject(
      clusterObject({ namespaceOverrides: [{ ...STRICT, alluxio: { image: 'x' } }, { limits: {} }] }),
    );
    expect(misspelt.policy).toBeUndefined();
    expect(misspelt.diagnostics.map((d) => d.path)).toEqual([
      'spec.namespaceOverrides[0].alluxio',
      'spec.namespaceOverrides[1].name',
      'spec.namespaceOverrides[1].namespaceSelector',
    ]);
  });

  it('a GraphDataPolicy may not carry namespaceOverrides, and its CRD has no such field', () => {
    const found = policyFromObject({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { name: 'team', namespace: 'team-a' },
      spec: { namespaceOverrides: [STRICT] },
    });
    expect(found.policy).toBeUndefined();
    expect(found.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['policy-namespace-overrides', 'spec.namespaceOverrides'],
    ]);
    const specOf = (kind: 'ClusterGraphDataPolicy' | 'GraphDataPolicy') =>
      (policyCrd(kind).spec.versions[0]!.schema.openAPIV3Schema.properties.spec as { properties: object }).properties;
    expect(specOf('ClusterGraphDataPolicy')).toHaveProperty('namespaceOverrides');
    expect(specOf('GraphDataPolicy')).not.toHaveProperty('namespaceOverrides');
  });
});

describe('checkNamespaceOverrides: an override may only tighten the cluster policy', () => {
  it('reports a loosening field with its path in the cluster policy, and a name used twice', () => {
    const loose = load({
      ...SPEC,
      namespaceOverrides: [
        STRICT,
        { name: 'loose', namespaceSelector: {}, mode: 'Audit', limits: { allowedRegistries: ['quay.io'] } },
        { ...STRICT, limits: { maxExecutorCores: 8 } },
      ],
    });
    expect(checkNamespaceOverrides(loose).map((d) => [d.code, d.path])).toEqual([
      [LOOSENS_CODE, 'spec.namespaceOverrides[1].mode'],
      [LOOSENS_CODE, 'spec.namespaceOverrides[1].limits.allowedRegistries[0]'],
      ['policy-override-name', 'spec.namespaceOverrides[2].name'],
      [LOOSENS_CODE, 'spec.namespaceOverrides[2].limits.maxExecutorCores'],
    ]);
    expect(checkNamespaceOverrides(load(SPEC))).toEqual([]);
  });

  it('the policies webhook rule denies such a cluster policy', () => {
    const object = clusterObject({ ...SPEC, namespaceOverrides: [{ ...STRICT, limits: { maxExecutorCores: 8 } }] });
    const verdict = enforce({ object, operation: 'CREATE' }, defaultPolicy());
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials[0]!.diagnostic.message).toContain('maxExecutorCores 8 is above the cluster limit');
  });
});

describe('applyNamespaceOverrides', () => {
  it('lays the matching overrides over the cluster policy, in order, and names them', () => {
    const policy = load({
      ...SPEC,
      namespaceOverrides: [
        STRICT,
        {
          name: 'no-quay',
          namespaceSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
          limits: { allowedRegistries: ['registry.internal'] },
        },
        { name: 'other', namespaceSelector: { matchLabels: { tier: 'other' } }, mode: 'Enforce' },
      ],
    });
    const { policy: strict, skipped } = applyNamespaceOverrides(policy, { tier: 'strict' });
    expect(skipped).toEqual([]);
    expect(strict.overrides).toEqual(['strict', 'no-quay']);
    expect(strict.spec.limits).toMatchObject({ maxExecutorCores: 2, allowedRegistries: ['registry.internal'] });
    expect(enforce({ object: executor('3'), operation: 'UPDATE' }, strict).allowed).toBe(false);
    expect(enforce({ object: executor('3'), operation: 'UPDATE' }, policy).allowed).toBe(true);
    // No match: the cluster's limits, marked as the namespace's view so nothing applies twice.
    const plain = applyNamespaceOverrides(policy, { tier: 'none' }).policy;
    expect(plain.overrides).toEqual(['no-quay']);
    expect(
      applyNamespaceOverrides(applyNamespaceOverrides(policy, {}).policy, { tier: 'strict' }).policy.overrides,
    ).toEqual([]);
    // The same labels give the same object (cached per policy and label set).
    expect(applyNamespaceOverrides(policy, { tier: 'strict' }).policy).toBe(strict);
  });

  it('a later override cannot loosen an earlier one: it is skipped for that namespace, with the reason', () => {
    const policy = load({
      ...SPEC,
      namespaceOverrides: [STRICT, { name: 'wider', namespaceSelector: {}, limits: { maxExecutorCores: 3 } }],
    });
    const { policy: strict, skipped } = applyNamespaceOverrides(policy, { tier: 'strict' });
    expect(strict.overrides).toEqual(['strict']);
    expect(strict.spec.limits.maxExecutorCores).toBe(2);
    expect(skipped).toEqual([{ name: 'wider', reason: expect.stringContaining('maxExecutorCores 3 is above') }]);
    // Elsewhere the wider one is a tightening of the cluster policy, and applies.
    expect(applyNamespaceOverrides(policy, { tier: 'dev' }).policy.spec.limits.maxExecutorCores).toBe(3);
  });
});

describe('the policy snapshot', () => {
  const labels: Record<string, Record<string, string>> = {
    'team-a': { tier: 'strict', 'kubernetes.io/metadata.name': 'team-a' },
    'team-b': { 'kubernetes.io/metadata.name': 'team-b' },
  };
  const namespacePolicy = (namespace: string, limits: object): PolicyObject => ({
    apiVersion: 'graphdata.io/v1alpha1',
    kind: 'GraphDataPolicy',
    metadata: {
      name: 'team',
      namespace,
      uid: `gdp-${namespace}`,
      generation: 1,
      creationTimestamp: '2026-01-02T00:00:00Z',
    },
    spec: { limits },
  });
  const compile = (namespaceObjects: PolicyObject[], known = labels) =>
    compilePolicies({
      clusterObjects: [clusterObject(SPEC)],
      namespaceObjects,
      fallback: defaultPolicy(),
      fallbackSource: BUILT_IN_POLICY,
      generation: 1,
      namespaceLabels: (ns) => known[ns],
    });

  it('gives each namespace the overrides its labels select; a GraphDataPolicy may only tighten them', () => {
    const { snapshot, statuses } = compile([
      namespacePolicy('team-a', { maxExecutorCores: 3 }),
      namespacePolicy('team-b', { maxExecutorCores: 3 }),
    ]);
    expect(snapshot.policyFor('team-a').spec.limits.maxExecutorCores).toBe(2);
    expect(snapshot.basePolicyFor('team-a').overrides).toEqual(['strict']);
    // team-b has no override: its GraphDataPolicy's 3 is a tightening of the cluster's 4.
    expect(snapshot.policyFor('team-b').spec.limits.maxExecutorCores).toBe(3);
    const teamA = statuses.find((s) => s.namespace === 'team-a')!.status.conditions.find((c) => c.type === 'Ready')!;
    expect(teamA).toMatchObject({ status: 'False', reason: 'LoosensClusterPolicy' });
    expect(teamA.message).toContain('ClusterGraphDataPolicy platform with namespaceOverrides strict alone');
    expect(teamA.message).toContain('maxExecutorCores 3 is above the cluster limit maxExecutorCores 2');
  });

  it('a namespace whose labels are unknown is selected by its name only', () => {
    const byName = load({
      ...SPEC,
      namespaceOverrides: [{ ...STRICT, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'new' } } }],
    });
    const { snapshot } = compilePolicies({
      clusterObjects: [],
      namespaceObjects: [],
      fallback: byName,
      fallbackSource: 'policy file',
      generation: 1,
      namespaceLabels: () => undefined,
    });
    expect(snapshot.policyFor('new').spec.limits.maxExecutorCores).toBe(2);
    expect(snapshot.policyFor('old').spec.limits.maxExecutorCores).toBe(4);
  });

  it('a new label set is a new snapshot away: the compile reads the labels it is given', () => {
    const before = compile([], { 'team-b': { tier: 'dev' } }).snapshot;
    const after = compile([], { 'team-b': { tier: 'strict' } }).snapshot;
    expect(before.policyFor('team-b').spec.limits.maxExecutorCores).toBe(4);
    expect(after.policyFor('team-b').spec.limits.maxExecutorCores).toBe(2);
  });

  it('explain, audit and doctor name the overrides applied after the policy that decides', () => {
    const selection = selectPolicies(
      [clusterObject(SPEC)],
      [namespacePolicy('team-b', { maxExecutorCores: 3 })],
      builtInFallback(defaultPolicy()),
      [],
      (ns) => labels[ns],
    );
    expect(selection.policyName('team-a')).toBe('ClusterGraphDataPolicy/platform with namespaceOverrides strict');
    expect(selection.policyName('team-b')).toBe('GraphDataPolicy/team-b/team');
    expect(selection.policyName('team-c')).toBe('ClusterGraphDataPolicy/platform');
  });

  it('validate checks a GraphDataPolicy against the overrides that select its namespace by name', () => {
    const cluster = load({
      ...SPEC,
      namespaceOverrides: [
        { ...STRICT, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-a' } } },
      ],
    });
    const findings = checkAll(namespacePolicy('team-a', { maxExecutorCores: 3 }), cluster);
    expect(findings.map((d) => d.code)).toContain(LOOSENS_CODE);
    expect(checkAll(namespacePolicy('team-b', { maxExecutorCores: 3 }), cluster).map((d) => d.code)).not.toContain(
      LOOSENS_CODE,
    );
  });

  it('a cluster policy change adding an override warns for each GraphDataPolicy it would stop applying', () => {
    const withoutOverrides = { ...SPEC, namespaceOverrides: [] };
    const { snapshot } = compilePolicies({
      clusterObjects: [clusterObject(withoutOverrides)],
      namespaceObjects: [
        namespacePolicy('team-a', { maxExecutorCores: 3 }),
        namespacePolicy('team-b', { maxExecutorCores: 3 }),
      ],
      fallback: defaultPolicy(),
      fallbackSource: BUILT_IN_POLICY,
      generation: 1,
      namespaceLabels: (ns) => labels[ns],
    });
    expect(snapshot.namespacePolicy('team-a')?.name).toBe('team');
    const head = { uid: 'u', kind: 'ClusterGraphDataPolicy', name: 'platform', operation: 'UPDATE', isDryRun: false };
    const warnings = policyObjectWarnings(head, load(SPEC), snapshot);
    expect(warnings).toEqual([
      expect.stringContaining(
        'GraphDataPolicy team-a/team would loosen this policy (maxExecutorCores 3 is above the cluster limit maxExecutorCores 2',
      ),
    ]);
  });
});
