// What the plugin says of pod-level opt-in without a cluster: audit's scope outside
// opted-in namespaces (labelled pods only, judged as /validate/pod-opt-in judges them),
// status's list of allowed namespaces, and explain's description.
import { describe, expect, it } from 'vitest';
import { audit, type NamespaceScope } from '../../../../plugin/audit/scan.js';
import { podOptInStatus } from '../../../../plugin/webhook-objects/pod-opt-in-status.js';
import { optInOf, podOptInScope } from '../../../../policies/pod-opt-in.js';
import { sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';

const policy = policyWith({
  mode: 'Enforce',
  limits: { allowedRegistries: ['docker.io'] },
  podOptIn: { namespaceSelector: { matchLabels: { pods: 'yes' } } },
});
const executor = (namespace: string, name: string, label?: string, image = 'quay.io/acme/spark:3.5.1') => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.image = image;
  pod.metadata = {
    ...pod.metadata,
    name,
    namespace,
    labels: { ...pod.metadata?.labels, ...(label ? { 'graphdata.io/inject': label } : {}) },
  };
  return pod;
};
async function* pages(items: unknown[]) {
  yield items;
}

describe('audit outside opted-in namespaces', () => {
  it('checks labelled pods only: by the rules where allowed, as denied where not', async () => {
    const scopes: Record<string, NamespaceScope> = {
      allowed: { policy, labels: { pods: 'yes' }, podLevel: podOptInScope(policy, 'allowed', { pods: 'yes' }) },
      other: { policy, labels: {}, podLevel: podOptInScope(policy, 'other', {}) },
    };
    const found: { namespace: string; name: string; code: string }[] = [];
    const summary = await audit(
      [
        {
          kind: 'Pod',
          apiVersion: 'v1',
          pages: pages([
            executor('allowed', 'labelled', 'enabled'),
            executor('allowed', 'unlabelled'),
            executor('allowed', 'opted-out', 'false'),
            executor('other', 'labelled-elsewhere', 'enabled', 'docker.io/apache/spark:3.5.1'),
            executor('other', 'plain-elsewhere'),
          ]),
        },
      ],
      { scope: (ns) => scopes[ns], onViolations: (v) => found.push(...v) },
    );
    expect(summary.kinds).toEqual([{ kind: 'Pod', scanned: 2, outOfScope: 3 }]);
    expect(found.map((v) => [v.namespace, v.name, v.code])).toEqual([
      ['allowed', 'labelled', 'registry-not-allowed'],
      ['allowed', 'labelled', 'not-injected'],
      ['other', 'labelled-elsewhere', 'pod-opt-in-not-allowed'],
    ]);
  });
});

describe('status: where pod-level opt-in is allowed', () => {
  const ns = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } });
  const namespaces = [
    ns('team-a', { pods: 'yes' }),
    ns('team-b'),
    ns('team-c', { pods: 'yes', 'graphdata.io/inject': 'enabled' }),
    ns('kube-system', { pods: 'yes' }),
    ns('graphdata-system', { pods: 'yes' }),
  ];
  it('from the oldest ClusterGraphDataPolicy, leaving out opted-in and excluded namespaces', () => {
    const policies = [
      { metadata: { name: 'newer', creationTimestamp: '2026-02-01T00:00:00Z' }, spec: {} },
      {
        metadata: { name: 'older', creationTimestamp: '2026-01-01T00:00:00Z' },
        spec: { podOptIn: { namespaceSelector: { matchLabels: { pods: 'yes' } } } },
      },
    ];
    expect(podOptInStatus(policies, namespaces, 'graphdata-system')).toEqual({
      policy: 'ClusterGraphDataPolicy older',
      selector: 'pods=yes',
      namespaces: ['team-a'],
    });
  });
  it('nowhere without a ClusterGraphDataPolicy, or without spec.podOptIn', () => {
    expect(podOptInStatus([], namespaces, 'graphdata-system')).toEqual({
      policy: 'the built-in policy',
      namespaces: [],
    });
    expect(podOptInStatus([{ metadata: { name: 'p' } }], namespaces, 'graphdata-system').selector).toBeUndefined();
  });
});

describe('explain: how a pod opts in', () => {
  it('names the namespace label first, then the pod label, allowed or not', () => {
    const labelled = executor('x', 'p', 'enabled');
    expect(optInOf(policy, 'x', { 'graphdata.io/inject': 'enabled' }, labelled).kind).toBe('namespace');
    expect(optInOf(policy, 'x', { pods: 'yes' }, labelled).kind).toBe('pod');
    const denied = optInOf(policy, 'x', {}, labelled);
    expect(denied.kind).toBe('pod-not-allowed');
    expect(denied.text).toContain('allows pod-level opt-in only in namespaces matching pods=yes');
    expect(optInOf(policy, 'x', { pods: 'yes' }, executor('x', 'p')).kind).toBe('none');
  });
});
