import { describe, expect, it } from 'vitest';
import { enforce } from '../../../policies/enforcement.js';
import {
  LOOSENS_CODE,
  checkLayering,
  effectivePolicy,
  namespacePolicyFromObject,
  type NamespacePolicy,
} from '../../../policies/layering.js';
import type { Policy } from '../../../policies/model.js';
import { ruleMode } from '../../../policies/rule-codes.js';
import { policyWith } from '../../fixtures/policy.js';

const cluster = (spec: Record<string, unknown>, profiles: Policy['profiles'] = {}): Policy => ({
  ...policyWith(spec, profiles),
  name: 'platform',
});

const TIGHT = cluster({
  mode: 'Enforce',
  ruleModes: { 'resources-required': 'Audit' },
  limits: {
    allowedRegistries: ['registry.internal'],
    allowedHostPaths: ['/data'],
    requireResources: true,
    maxExecutorCores: 8,
    maxExecutorMemory: '16Gi',
    maxCnReplicas: 10,
    alluxioPathPrefixes: ['/tenants'],
  },
});

function nsPolicy(spec: Record<string, unknown>, namespace = 'team-a'): NamespacePolicy {
  const { policy, diagnostics } = namespacePolicyFromObject({
    apiVersion: 'graphdata.io/v1alpha1',
    kind: 'GraphDataPolicy',
    metadata: { name: 'team', namespace, generation: 3 },
    spec,
  });
  if (!policy) throw new Error(JSON.stringify(diagnostics));
  return policy;
}

const paths = (ds: { path?: string }[]) => ds.map((d) => d.path);

describe('namespace policy loading', () => {
  it('keeps the spec as written: nothing is filled in, so the rest is inherited', () => {
    const p = nsPolicy({ limits: { maxExecutorCores: 4 } });
    expect(p.spec).toEqual({ limits: { maxExecutorCores: 4 } });
    expect(p).toMatchObject({ kind: 'GraphDataPolicy', name: 'team', namespace: 'team-a', generation: 3 });
  });

  it('reports schema errors with the messages a policy file gets', () => {
    const { policy, diagnostics } = namespacePolicyFromObject({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { name: 'team', namespace: 'team-a' },
      spec: { limits: { maxExecutorCores: 'lots' } },
    });
    expect(policy).toBeUndefined();
    expect(diagnostics).toContainEqual(expect.objectContaining({ path: 'spec.limits.maxExecutorCores' }));
  });

  it('needs a namespace, from the object or the caller', () => {
    const obj = { apiVersion: 'graphdata.io/v1alpha1', kind: 'GraphDataPolicy', metadata: { name: 'x' }, spec: {} };
    expect(namespacePolicyFromObject(obj).diagnostics).toContainEqual(
      expect.objectContaining({ code: 'policy-namespace', path: 'metadata.namespace' }),
    );
    expect(namespacePolicyFromObject(obj, { namespace: 'team-b' }).policy?.namespace).toBe('team-b');
  });
});

describe('checkLayering: loosening is refused, naming the cluster limit and policy', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['mode Audit under Enforce', { mode: 'Audit' }, 'spec.mode', /mode Audit .*mode Enforce/],
    [
      'a rule in Audit the cluster enforces',
      { ruleModes: { 'registry-not-allowed': 'Audit' } },
      'spec.ruleModes["registry-not-allowed"]',
      /rule registry-not-allowed in Audit/,
    ],
    [
      'the safety net in Audit (Enforce by default)',
      { ruleModes: { 'not-injected': 'Audit' } },
      'spec.ruleModes["not-injected"]',
      /not-injected/,
    ],
    [
      'a registry outside the list',
      { limits: { allowedRegistries: ['registry.internal', 'quay.io'] } },
      'spec.limits.allowedRegistries[1]',
      /registry quay\.io is outside the cluster limit allowedRegistries \[registry\.internal\]/,
    ],
    [
      'a look-alike registry host',
      { limits: { allowedRegistries: ['registry.internal.evil.com'] } },
      'spec.limits.allowedRegistries[0]',
      /registry\.internal\.evil\.com/,
    ],
    [
      'an empty registry list (no limit)',
      { limits: { allowedRegistries: [] } },
      'spec.limits.allowedRegistries',
      /empty allowedRegistries allows every registry/,
    ],
    [
      'a wider hostPath',
      { limits: { allowedHostPaths: ['/data/x', '/'] } },
      'spec.limits.allowedHostPaths[1]',
      /hostPath \/ is outside the cluster limit allowedHostPaths \[\/data\]/,
    ],
    [
      'a hostPath that only shares a prefix string',
      { limits: { allowedHostPaths: ['/database'] } },
      'spec.limits.allowedHostPaths[0]',
      /\/database/,
    ],
    [
      'a socket directory outside the hostPath list',
      { alluxio: { domainSocket: { hostPath: '/etc' } } },
      'spec.alluxio.domainSocket.hostPath',
      /socket directory \/etc .*allowedHostPaths/,
    ],
    [
      "a profile's socket directory outside the hostPath list",
      { profiles: { wide: { alluxio: { domainSocket: { hostPath: '/var/run' } } } } },
      'spec.profiles.wide.alluxio.domainSocket.hostPath',
      /socket directory \/var\/run/,
    ],
    [
      'requireResources false where the cluster requires them',
      { limits: { requireResources: false } },
      'spec.limits.requireResources',
      /requireResources false .*requireResources true/,
    ],
    [
      'more executor cores',
      { limits: { maxExecutorCores: 16 } },
      'spec.limits.maxExecutorCores',
      /maxExecutorCores 16 is above the cluster limit maxExecutorCores 8/,
    ],
    [
      'more executor memory, in other units',
      { limits: { maxExecutorMemory: '18G' } },
      'spec.limits.maxExecutorMemory',
      /maxExecutorMemory 18G is above the cluster limit maxExecutorMemory 16Gi/,
    ],
    [
      'more CN replicas',
      { limits: { maxCnReplicas: 11 } },
      'spec.limits.maxCnReplicas',
      /maxCnReplicas 11 is above the cluster limit maxCnReplicas 10/,
    ],
    [
      'an Alluxio path outside the prefixes',
      { limits: { alluxioPathPrefixes: ['/tenants/a', '/shared'] } },
      'spec.limits.alluxioPathPrefixes[1]',
      /Alluxio path \/shared is outside the cluster limit alluxioPathPrefixes \[\/tenants\]/,
    ],
    [
      'an empty Alluxio prefix list',
      { limits: { alluxioPathPrefixes: [] } },
      'spec.limits.alluxioPathPrefixes',
      /empty alluxioPathPrefixes/,
    ],
    [
      'a profile reaching another namespace by name',
      { profiles: { fast: { allowedNamespaces: ['team-a', 'team-b'] } } },
      'spec.profiles.fast.allowedNamespaces[1]',
      /profile fast reaches namespace team-b/,
    ],
    [
      'a profile reaching namespaces by label',
      { profiles: { fast: { namespaceSelector: { matchLabels: { tier: 'gold' } } } } },
      'spec.profiles.fast.namespaceSelector',
      /profile fast selects namespaces by label/,
    ],
  ];

  for (const [name, spec, path, message] of cases) {
    it(name, () => {
      const found = checkLayering(TIGHT, nsPolicy(spec));
      expect(paths(found)).toEqual([path]);
      expect(found[0]).toMatchObject({ severity: 'error', code: LOOSENS_CODE });
      expect(found[0]!.message).toMatch(message);
      expect(found[0]!.message).toContain('ClusterGraphDataPolicy platform');
      expect(found[0]!.hint).toBeTruthy();
    });
  }

  it('reports every loosening field at once', () => {
    const found = checkLayering(TIGHT, nsPolicy({ mode: 'Audit', limits: { maxExecutorCores: 9, maxCnReplicas: 99 } }));
    expect(paths(found)).toEqual(['spec.mode', 'spec.limits.maxExecutorCores', 'spec.limits.maxCnReplicas']);
  });
});

describe('checkLayering: tightening and filling in what the cluster leaves open are allowed', () => {
  const allowed: [string, Policy, Record<string, unknown>][] = [
    ['nothing set', TIGHT, {}],
    ['the same values', TIGHT, { mode: 'Enforce', limits: TIGHT.spec.limits }],
    [
      'narrower lists',
      TIGHT,
      {
        limits: {
          allowedRegistries: ['registry.internal/team-a'],
          allowedHostPaths: ['/data/team-a', '/tmp/alluxio-domain'],
          alluxioPathPrefixes: ['/tenants/team-a'],
        },
      },
    ],
    ['an empty hostPath list (only the socket directory)', TIGHT, { limits: { allowedHostPaths: [] } }],
    ['lower caps', TIGHT, { limits: { maxExecutorCores: 2, maxExecutorMemory: '4g', maxCnReplicas: 3 } }],
    ['Enforce under Audit', cluster({ mode: 'Audit' }), { mode: 'Enforce' }],
    ['Audit under Audit', cluster({ mode: 'Audit' }), { mode: 'Audit' }],
    [
      'Audit for a rule the cluster audits',
      TIGHT,
      { ruleModes: { 'resources-required': 'Audit', 'registry-not-allowed': 'Enforce' } },
    ],
    [
      'limits the cluster leaves open',
      cluster({}),
      {
        limits: {
          allowedRegistries: ['quay.io'],
          allowedHostPaths: ['/anything'],
          requireResources: false,
          maxExecutorCores: 64,
          maxExecutorMemory: '1Ti',
          maxCnReplicas: 100,
          alluxioPathPrefixes: ['/'],
        },
      },
    ],
    ['requireResources true where the cluster does not require', cluster({}), { limits: { requireResources: true } }],
    [
      'injection settings and its own profiles',
      TIGHT,
      {
        cache: 'alluxio',
        alluxio: { master: { hostname: 'team-a-master' }, domainSocket: { hostPath: '/data/socket' } },
        placement: { mode: 'preferred' },
        profiles: { mine: { allowedNamespaces: ['team-a'], placement: { mode: 'none' } }, open: {} },
      },
    ],
  ];
  for (const [name, base, spec] of allowed) {
    it(name, () => expect(checkLayering(base, nsPolicy(spec))).toEqual([]));
  }
});

describe('the policy rule (validate and /validate) checks a GraphDataPolicy against the cluster policy in use', () => {
  const doc = (spec: Record<string, unknown>) => ({
    apiVersion: 'graphdata.io/v1alpha1',
    kind: 'GraphDataPolicy',
    metadata: { name: 'team', namespace: 'team-a' },
    spec,
  });

  it('a loosening document is an Enforce finding of the policy rule, whatever the modes', () => {
    const verdict = enforce({ object: doc({ limits: { maxExecutorCores: 99 } }), operation: 'CREATE' }, TIGHT);
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials.map((f) => [f.rule, f.diagnostic.code, f.diagnostic.path])).toEqual([
      ['policy', LOOSENS_CODE, 'spec.limits.maxExecutorCores'],
    ]);
    const audited = cluster({ mode: 'Audit', limits: { maxExecutorCores: 8 } });
    expect(enforce({ object: doc({ limits: { maxExecutorCores: 99 } }), operation: 'CREATE' }, audited).allowed).toBe(
      false,
    );
  });

  it('a tightening document passes; under a namespace policy (a standalone --policy file) nothing is layered', () => {
    expect(enforce({ object: doc({ limits: { maxExecutorCores: 2 } }), operation: 'CREATE' }, TIGHT).allowed).toBe(
      true,
    );
    const standalone = effectivePolicy(TIGHT, nsPolicy({ limits: { maxExecutorCores: 4 } }));
    expect(
      enforce({ object: doc({ limits: { maxExecutorCores: 99 } }), operation: 'CREATE' }, standalone).allowed,
    ).toBe(true);
  });
});

describe('effectivePolicy', () => {
  it('is the cluster policy when the namespace has none', () => {
    expect(effectivePolicy(TIGHT, undefined)).toBe(TIGHT);
  });

  it('lays the namespace spec over the cluster one and keeps both sets of profiles', () => {
    const base = cluster({}, { shared: { placement: { mode: 'none' } } });
    const eff = effectivePolicy(
      base,
      nsPolicy({
        mode: 'Enforce',
        alluxio: { master: { hostname: 'team-a-master' } },
        limits: { maxExecutorCores: 4 },
        profiles: { mine: { placement: { mode: 'required' } } },
      }),
    );
    expect(eff).toMatchObject({ kind: 'GraphDataPolicy', name: 'team', namespace: 'team-a', generation: 3 });
    expect(eff.spec.mode).toBe('Enforce');
    expect(eff.spec.alluxio.master).toEqual({ hostname: 'team-a-master', rpcPort: 19998 });
    expect(eff.spec.alluxio.domainSocket).toEqual(base.spec.alluxio.domainSocket);
    expect(eff.spec.limits).toEqual({ maxExecutorCores: 4 });
    expect(Object.keys(eff.profiles).sort()).toEqual(['mine', 'prefer-cache-nodes', 'shared']);
    expect(base.spec.mode).toBe('Audit'); // not mutated
  });

  it('keeps cluster rule modes and limits the namespace does not restate', () => {
    const eff = effectivePolicy(TIGHT, nsPolicy({ limits: { maxExecutorCores: 4 } }));
    expect(eff.spec.limits).toEqual({ ...TIGHT.spec.limits, maxExecutorCores: 4 });
    expect(ruleMode(eff.spec, 'resources-required')).toBe('Audit');
    expect(ruleMode(eff.spec, 'registry-not-allowed')).toBe('Enforce');
  });

  it('a tightened limit denies what the cluster policy alone admits', () => {
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'job', namespace: 'team-a' },
      spec: {
        type: 'Scala',
        mode: 'cluster',
        image: 'registry.internal/spark:3.5.1',
        mainApplicationFile: 'local:///app.jar',
        sparkVersion: '3.5.1',
        driver: { cores: 1, memory: '1g' },
        executor: { cores: 6, instances: 2, memory: '4g' },
      },
    };
    expect(enforce({ object: app, operation: 'CREATE' }, TIGHT).allowed).toBe(true);
    const eff = effectivePolicy(TIGHT, nsPolicy({ limits: { maxExecutorCores: 4 } }));
    const verdict = enforce({ object: app, operation: 'CREATE' }, eff);
    expect(verdict.allowed).toBe(false);
    expect(verdict.denials.map((f) => f.rule)).toContain('executor-cores-over-limit');
  });
});
