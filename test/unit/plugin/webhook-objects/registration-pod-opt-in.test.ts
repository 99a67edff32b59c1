// The pod-level entries of the registration: pods labelled graphdata.io/inject=enabled in
// namespaces that are not opted in (so no pod is served by both entries), never the system
// namespaces or the webhook's own; the validating one fails closed and sees the label's removal.
import { describe, expect, it } from 'vitest';
import { matchesSelector } from '../../../../policies/label-selector.js';
import type { LabelSelector } from '../../../../policies/model.js';
import { namespacePolicySpecSchema } from '../../../../policies/policy-schema.js';
import { parsePolicy } from '../../../../policies/policy-loader.js';
import { policyCrd } from '../../../../policies/policy-crds.js';
import {
  mutatingWebhookConfiguration,
  podOptInMatchConditions,
  validatingWebhookConfiguration,
} from '../../../../plugin/webhook-objects/registration.js';

const opts = {
  endpoint: { service: { namespace: 'graphdata-system', name: 'graphdata-webhook' } },
  caBundle: 'PEM',
  ownNamespace: 'graphdata-system',
};
const byName = <H extends { name: string }>(hooks: H[] | undefined, prefix: string): H =>
  hooks!.find((h) => h.name.startsWith(prefix))!;

const nsLabels = (name: string, extra: Record<string, string> = {}) => ({
  'kubernetes.io/metadata.name': name,
  ...extra,
});

describe('pod-level registration entries', () => {
  const mutating = mutatingWebhookConfiguration(opts).webhooks!;
  const validating = validatingWebhookConfiguration(opts).webhooks!;
  const pairs = [
    [byName(mutating, 'inject.'), byName(mutating, 'inject-pods.')],
    [byName(validating, 'validate.'), byName(validating, 'validate-pods.')],
  ] as const;

  it('keep the existing entries first, and point the new ones at the pod-level paths', () => {
    expect(mutating.map((h) => h.name)).toEqual([
      'inject.graphdata.graphdata.io',
      'inject-pods.graphdata.graphdata.io',
    ]);
    expect(validating.map((h) => h.name)).toEqual([
      'validate.graphdata.graphdata.io',
      'policies.graphdata.graphdata.io',
      'validate-pods.graphdata.graphdata.io',
    ]);
    expect(pairs[0][1].clientConfig.service?.path).toBe('/mutate/pod-opt-in');
    expect(pairs[1][1].clientConfig.service?.path).toBe('/validate/pod-opt-in');
    expect(pairs[1][1].failurePolicy).toBe('Fail');
    expect(pairs[0][1].failurePolicy).toBe('Ignore');
    expect(pairs[1][1].rules!.map((r) => r.resources)).toEqual([['pods', 'pods/ephemeralcontainers', 'pods/resize']]);
  });

  it('never serve a namespace both ways, and never the system namespaces or their own', () => {
    const cases: [Record<string, string>, boolean, boolean][] = [
      // namespace labels, namespace entry, pod entry
      [nsLabels('team-a', { 'graphdata.io/inject': 'enabled' }), true, false],
      [nsLabels('team-b'), false, true],
      [nsLabels('team-c', { 'graphdata.io/inject': 'false' }), false, true],
      [nsLabels('kube-system'), false, false],
      [nsLabels('graphdata-system'), false, false],
      [nsLabels('kube-public', { 'graphdata.io/inject': 'enabled' }), false, false],
    ];
    for (const [namespaceEntry, podEntry] of pairs) {
      for (const [labels, inNamespaceEntry, inPodEntry] of cases) {
        const ns = namespaceEntry.namespaceSelector as LabelSelector;
        const pod = podEntry.namespaceSelector as LabelSelector;
        expect([matchesSelector(ns, labels), matchesSelector(pod, labels)], JSON.stringify(labels)).toEqual([
          inNamespaceEntry,
          inPodEntry,
        ]);
      }
    }
  });

  it('match only pods labelled exactly enabled', () => {
    for (const [, podEntry] of pairs) {
      const sel = podEntry.objectSelector as LabelSelector;
      expect(matchesSelector(sel, { 'graphdata.io/inject': 'enabled' })).toBe(true);
      expect(matchesSelector(sel, { 'graphdata.io/inject': 'true' })).toBe(false);
      expect(matchesSelector(sel, {})).toBe(false);
    }
  });

  it('send a label change on UPDATE to the validating pod entry, and nothing else new', () => {
    const [kinds, inputs] = podOptInMatchConditions();
    expect(kinds!.name).toBe('graphdata-rule-kinds');
    expect(inputs!.expression).toContain("object.metadata.labels['graphdata.io/inject']");
    expect(inputs!.expression).toContain("oldObject.metadata.labels['graphdata.io/inject']");
  });
});

describe('spec.podOptIn is the cluster policy’s alone', () => {
  it('a GraphDataPolicy setting it is refused, naming the field', () => {
    const text = [
      'apiVersion: graphdata.io/v1alpha1',
      'kind: GraphDataPolicy',
      'metadata: {name: p, namespace: t}',
      'spec:',
      '  podOptIn:',
      '    namespaceSelector: {}',
    ].join('\n');
    const { policy, diagnostics } = parsePolicy(text, 'p.yaml');
    expect(policy).toBeUndefined();
    expect(diagnostics).toMatchObject([
      { code: 'policy-cluster-only', path: 'spec.podOptIn', file: 'p.yaml', line: 5 },
    ]);
  });

  it('the GraphDataPolicy CRD has no podOptIn (the apiserver prunes it); the cluster one has, without a default', () => {
    expect(Object.keys((namespacePolicySpecSchema.properties as object) ?? {})).not.toContain('podOptIn');
    const spec = (crd: ReturnType<typeof policyCrd>) =>
      (crd.spec.versions[0]!.schema.openAPIV3Schema.properties.spec as { properties: Record<string, unknown> })
        .properties;
    expect(spec(policyCrd('GraphDataPolicy')).podOptIn).toBeUndefined();
    expect(spec(policyCrd('ClusterGraphDataPolicy')).podOptIn).toMatchObject({ type: 'object' });
    expect(spec(policyCrd('ClusterGraphDataPolicy')).podOptIn).not.toHaveProperty('default');
  });

  it('a cluster policy file may set it; a wrong operator is named', () => {
    const ok = parsePolicy(
      'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: c}\nspec:\n  podOptIn:\n    namespaceSelector: {matchLabels: {a: b}}\n',
    );
    expect(ok.policy?.spec.podOptIn).toEqual({ namespaceSelector: { matchLabels: { a: 'b' } } });
    const bad = parsePolicy(
      'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: c}\nspec:\n  podOptIn:\n    namespaceSelector: {matchExpressions: [{key: a, operator: Equals}]}\n',
    );
    expect(bad.policy).toBeUndefined();
    expect(bad.diagnostics[0]?.path).toContain('spec.podOptIn.namespaceSelector.matchExpressions[0].operator');
  });
});
