// Escape tried: a tenant's own GraphDataPolicy loosening the cluster policy through an odd
// shape of a field rather than its value: null for a list or a cap, limits or modes inside
// a profile, a case variant of a mode or rule, a cluster-only field, a `__proto__` key,
// duplicate keys. Each shape must be refused by name and field path (the schema or the
// layering check), and a pod the cluster policy denies must stay denied.
import { describe, expect, it } from 'vitest';
import { enforce } from '../../policies/enforcement.js';
import { inject } from '../../policies/engine.js';
import type { Pod } from '../../policies/k8s.js';
import { checkLayering, effectivePolicy, namespacePolicyFromObject } from '../../policies/layering.js';
import { ANNOTATION_PROFILE } from '../../policies/model.js';
import { parsePolicy } from '../../policies/policy-loader.js';
import { policyWith } from '../fixtures/policy.js';

const CLUSTER = {
  ...policyWith({
    mode: 'Enforce',
    limits: {
      allowedRegistries: ['docker.io'],
      allowedHostPaths: ['/var/lib/shared'],
      requireResources: true,
      maxExecutorCores: 4,
      maxExecutorMemory: '8Gi',
      alluxioPathPrefixes: ['/shared'],
    },
  }),
  kind: 'ClusterGraphDataPolicy' as const,
  name: 'platform',
};
const NS = 'team-b';
const OPT_IN = { namespace: NS, namespaceLabels: { 'graphdata.io/inject': 'enabled' } };

/** Everything the cluster policy forbids at once: a registry, a hostPath, no resources; asks for profile `p`. */
const violating: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', annotations: { [ANNOTATION_PROFILE]: 'p' } },
  spec: {
    containers: [{ name: 'c', image: 'quay.io/x/y:1', volumeMounts: [{ name: 'h', mountPath: '/h' }] }],
    volumes: [{ name: 'h', hostPath: { path: '/etc' } }],
  },
};

/** Where the tenant's spec is refused (`field path` of each error), or, if it loads and lays over, the pod's verdict. */
function tenantPolicy(spec: unknown) {
  const object = {
    apiVersion: 'graphdata.io/v1alpha1',
    kind: 'GraphDataPolicy',
    metadata: { name: 'mine', namespace: NS },
    spec,
  };
  const { policy, diagnostics } = namespacePolicyFromObject(object);
  const refused = diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.path}`);
  if (!policy) return { refused };
  const loosens = checkLayering(CLUSTER, policy).map((d) => `${d.code} ${d.path}`);
  const effective = effectivePolicy(CLUSTER, policy);
  const pod = inject(structuredClone(violating), effective, OPT_IN).pod;
  const verdict = enforce({ object: pod, operation: 'CREATE', inject: OPT_IN }, effective);
  return { refused, loosens, denied: verdict.denials.map((d) => d.rule).sort() };
}

const ALL_DENIALS = ['hostpath-not-allowed', 'registry-not-allowed', 'resources-required'];

describe('a GraphDataPolicy cannot loosen the cluster policy by the shape of a field', () => {
  const refusedCases: [string, unknown, string][] = [
    [
      'limits in a profile',
      { profiles: { p: { limits: { allowedRegistries: ['quay.io'] } } } },
      'policy-additionalProperties spec.profiles.p.limits',
    ],
    ['mode in a profile', { profiles: { p: { mode: 'Audit' } } }, 'policy-additionalProperties spec.profiles.p.mode'],
    [
      'ruleModes in a profile',
      { profiles: { p: { ruleModes: { 'registry-not-allowed': 'Audit' } } } },
      'policy-additionalProperties spec.profiles.p.ruleModes',
    ],
    ['a null list', { limits: { allowedRegistries: null } }, 'policy-type spec.limits.allowedRegistries'],
    ['null limits', { limits: null }, 'policy-type spec.limits'],
    ['a null requireResources', { limits: { requireResources: null } }, 'policy-type spec.limits.requireResources'],
    ['a null cap', { limits: { maxExecutorCores: null } }, 'policy-type spec.limits.maxExecutorCores'],
    [
      'a memory cap the cap parser cannot read',
      { limits: { maxExecutorMemory: '1e9' } },
      'policy-pattern spec.limits.maxExecutorMemory',
    ],
    ['mode in lower case', { mode: 'audit' }, 'policy-enum spec.mode'],
    [
      'a rule code in another case',
      { ruleModes: { 'Registry-Not-Allowed': 'Audit' } },
      'policy-enum spec.ruleModes["Registry-Not-Allowed"]',
    ],
    ['the cluster-only podOptIn', { podOptIn: { namespaceSelector: {} } }, 'policy-cluster-only spec.podOptIn'],
    [
      'namespaceOverrides',
      { namespaceOverrides: [{ name: 'x', namespaceSelector: {}, mode: 'Audit' }] },
      'policy-namespace-overrides spec.namespaceOverrides',
    ],
    [
      'a __proto__ key in limits',
      JSON.parse('{"limits": {"__proto__": {"allowedRegistries": []}}}'),
      'policy-additionalProperties spec.limits.__proto__',
    ],
  ];
  for (const [name, spec, refusal] of refusedCases) {
    it(`${name} is refused, naming the field`, () => {
      expect(tenantPolicy(spec).refused).toContain(refusal);
    });
  }

  it('what loads but would loosen is a layering error; what loads and tightens still denies the pod', () => {
    const huge = tenantPolicy({ limits: { maxExecutorMemory: '100000000000000000000000Gi' } });
    expect(huge.loosens).toEqual(['policy-loosens-cluster spec.limits.maxExecutorMemory']);
    // A profile named __proto__ (an own key from JSON) is checked as any other.
    const proto = tenantPolicy(
      JSON.parse('{"profiles": {"__proto__": {"alluxio": {"domainSocket": {"hostPath": "/etc"}}}}}'),
    );
    expect(proto.loosens).toContain('policy-loosens-cluster spec.profiles.__proto__.alluxio.domainSocket.hostPath');
    // An empty allowedHostPaths tightens (only the socket directory), never "no limit".
    const empty = tenantPolicy({ limits: { allowedHostPaths: [] } });
    expect(empty).toEqual({ refused: [], loosens: [], denied: ALL_DENIALS });
    // The profile the pod asks for, the tenant's own, moves nothing the cluster limits.
    const own = tenantPolicy({ profiles: { p: { images: { mirrors: [{ from: 'quay.io', to: 'docker.io' }] } } } });
    expect(own.loosens).toEqual([]);
    expect(own.denied).toContain('hostpath-not-allowed');
    expect(own.denied).toContain('resources-required');
  });

  it('duplicate keys in a policy file are a syntax error at their line, never last-wins', () => {
    const yaml = [
      'apiVersion: graphdata.io/v1alpha1',
      'kind: GraphDataPolicy',
      `metadata: {name: mine, namespace: ${NS}}`,
      'spec:',
      '  limits:',
      '    allowedRegistries: [docker.io]',
      '    allowedRegistries: []',
      '',
    ].join('\n');
    const json = `{"apiVersion":"graphdata.io/v1alpha1","kind":"GraphDataPolicy","metadata":{"name":"m","namespace":"${NS}"},"spec":{"mode":"Enforce","mode":"Audit"}}`;
    for (const [text, line] of [
      [yaml, 7],
      [json, 1],
    ] as const) {
      const { policy, diagnostics } = parsePolicy(text, 'mine.yaml');
      expect(policy).toBeUndefined();
      expect(diagnostics).toContainEqual(expect.objectContaining({ code: 'yaml-syntax', line, file: 'mine.yaml' }));
    }
  });
});
