// install's self-test passes on what our engine injects into the probe pod, not on the
// `graphdata.io/injected` annotation another webhook could write.
import { describe, expect, it } from 'vitest';
import { inject } from '../../../../policies/engine.js';
import type { Pod } from '../../../../policies/k8s.js';
import { ANNOTATION_INJECTED, type Policy } from '../../../../policies/model.js';
import { probePod } from '../../../../plugin/install/steps.js';
import { podOptInProbeLabels, proveInjected, webhookPolicySource } from '../../../../plugin/install/probe-proof.js';
import { defaultPolicy } from '../../../fixtures/policy.js';

const NS = 'graphdata-self-test-abc123';
const opts = {
  namespace: NS,
  namespaceLabels: { 'graphdata.io/inject': 'enabled', 'kubernetes.io/metadata.name': NS },
  runtimes: () => undefined,
};
const sent = () => probePod(NS) as Pod;
const injectedBy = (policy: Policy, extra = {}) => inject(sent(), policy, { ...opts, ...extra }).pod;

/** What the apiserver adds to a stored pod: defaults the engine never writes. */
function withServerDefaults(pod: Pod): Pod {
  const copy = structuredClone(pod);
  for (const c of [...(copy.spec?.initContainers ?? []), ...(copy.spec?.containers ?? [])]) {
    Object.assign(c, { terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' });
  }
  Object.assign(copy.spec!, { dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler' });
  copy.metadata!.annotations = { ...copy.metadata!.annotations, 'other.example.com/seen': 'true' };
  return copy;
}

describe('proveInjected', () => {
  it('passes a pod our engine injected, with the defaults the apiserver adds', () => {
    const policy = defaultPolicy();
    const proof = proveInjected(sent(), withServerDefaults(injectedBy(policy)), policy, opts);
    expect(proof).toEqual({ ok: true, missing: [], foreignAnnotation: false });
  });

  it('fails a pod that carries only the annotation, saying what it lacks', () => {
    const policy = defaultPolicy();
    const record = injectedBy(policy).metadata!.annotations![ANNOTATION_INJECTED]!;
    const forged = sent();
    forged.metadata!.annotations = { [ANNOTATION_INJECTED]: record };
    const proof = proveInjected(sent(), forged, policy, opts);
    expect(proof.ok).toBe(false);
    expect(proof.foreignAnnotation).toBe(true);
    expect(proof.missing.join('\n')).toMatch(/spec\.initContainers: missing/);
    expect(proof.missing.join('\n')).toMatch(/spec\.volumes: missing/);
  });

  it('fails an annotation that is not the record our engine writes, even over a real injection', () => {
    const policy = defaultPolicy();
    const pod = injectedBy(policy);
    pod.metadata!.annotations![ANNOTATION_INJECTED] = JSON.stringify({ policy: 'impostor', generation: 1 });
    const proof = proveInjected(sent(), pod, policy, opts);
    expect(proof.ok).toBe(false);
    const ours = JSON.parse(injectedBy(policy).metadata!.annotations![ANNOTATION_INJECTED]!).policy;
    expect(proof.missing).toContain(
      `metadata.annotations.${ANNOTATION_INJECTED}: policy is "impostor", our engine writes ${JSON.stringify(ours)}`,
    );
  });

  it('fails a pod the webhook left alone, without calling the annotation foreign', () => {
    const policy = defaultPolicy();
    const proof = proveInjected(sent(), withServerDefaults(sent()), policy, opts);
    expect(proof.ok).toBe(false);
    expect(proof.foreignAnnotation).toBe(false);
    expect(proof.missing).toContain(`metadata.annotations.${ANNOTATION_INJECTED}: missing`);
  });

  it('fails a pod injected under another policy (a different socket path)', () => {
    const policy = defaultPolicy();
    const other = structuredClone(policy);
    other.spec.alluxio.domainSocket.hostPath = '/var/run/someone-else';
    const proof = proveInjected(sent(), injectedBy(other), policy, opts);
    expect(proof.ok).toBe(false);
    expect(proof.missing.join('\n')).toMatch(/someone-else|alluxio-domain/);
  });

  it('accepts either answer to "does the cluster serve image volumes" under imageVolume delivery', () => {
    const policy = defaultPolicy();
    policy.spec.alluxio.clientJar.delivery = 'imageVolume';
    for (const imageVolumes of [true, false]) {
      const pod = injectedBy(policy, { imageVolumes });
      expect(proveInjected(sent(), pod, policy, opts).ok, `imageVolumes ${imageVolumes}`).toBe(true);
    }
    // The two differ, so each is checked for real.
    expect(injectedBy(policy, { imageVolumes: true })).not.toEqual(injectedBy(policy, { imageVolumes: false }));
  });
});

describe('webhookPolicySource: which policy the webhook says it injects with', () => {
  it.each([
    [undefined, { readsCluster: true }],
    ['ClusterGraphDataPolicy/default (built-in)', { readsCluster: false }],
    ['dev/strict.yaml', { readsCluster: false, file: 'dev/strict.yaml' }],
    ['cluster (ClusterGraphDataPolicy/default (built-in))', { readsCluster: true }],
    ['cluster (ClusterGraphDataPolicy platform)', { readsCluster: true }],
    ['cluster (/etc/graphdata/policy.yaml)', { readsCluster: true, file: '/etc/graphdata/policy.yaml' }],
  ])('%s', (source, expected) => {
    expect(webhookPolicySource(source)).toEqual(expected);
  });
});

describe('podOptInProbeLabels: a new namespace podOptIn selects, not opted in', () => {
  const name = 'graphdata-self-test-pods-abc123';
  it.each([
    [{ matchLabels: { team: 'data' } }, { team: 'data' }],
    [
      {
        matchExpressions: [
          { key: 'tier', operator: 'In' as const, values: ['a', 'b'] },
          { key: 'tier', operator: 'NotIn' as const, values: ['a'] },
        ],
      },
      { tier: 'b' },
    ],
    [
      {
        matchExpressions: [
          { key: 'kubevela', operator: 'Exists' as const },
          { key: 'legacy', operator: 'DoesNotExist' as const },
        ],
      },
      { kubevela: 'graphdata-self-test' },
    ],
    [
      { matchExpressions: [{ key: 'graphdata.io/inject', operator: 'Exists' as const }] },
      { 'graphdata.io/inject': 'graphdata-self-test' },
    ],
    [{ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn' as const, values: ['prod'] }] }, {}],
    [{}, {}],
  ])('%j → %j', (selector, labels) => {
    expect(podOptInProbeLabels(selector, name)).toEqual({ labels });
  });

  it.each([
    [
      { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In' as const, values: ['team-a'] }] },
      /names namespaces/,
    ],
    [
      { matchLabels: { x: '1' }, matchExpressions: [{ key: 'x', operator: 'DoesNotExist' as const }] },
      /requires and forbids the label x/,
    ],
    [{ matchLabels: { 'graphdata.io/inject': 'enabled' } }, /no value of the label graphdata.io\/inject/],
    [
      {
        matchExpressions: [
          { key: 't', operator: 'In' as const, values: ['a'] },
          { key: 't', operator: 'In' as const, values: ['b'] },
        ],
      },
      /no value of the label t/,
    ],
  ])('%j: none', (selector, reason) => {
    const result = podOptInProbeLabels(selector, name);
    expect('reason' in result && result.reason).toMatch(reason);
  });
});
