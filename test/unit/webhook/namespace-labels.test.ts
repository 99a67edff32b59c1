// The webhook hands the engine the labels of the request's namespace; without an index
// (no cluster) it injects from the policy alone.
import { describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import type { PatchOperation } from '../../../policies/patch.js';
import { applyPodPatch } from '../../support/pod-patch.js';
import { injectOptionsFor } from '../../../webhook/cluster-context.js';
import { staticPolicyStore } from '../../support/policy-store.js';
import { buildServer } from '../../../webhook/server.js';
import { validate } from '../../../webhook/validation.js';
import { staticNamespaceIndex } from '../../support/namespace-index.js';
import { mutate } from '../../../webhook/mutation.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';

const request = (namespace: string) => ({
  uid: 'u1',
  kind: { group: '', version: 'v1', kind: 'Pod' },
  operation: 'CREATE',
  namespace,
  object: sparkExecutorPod(),
});
const patchOps = (patch?: string): { op: string; path: string; value?: unknown }[] =>
  JSON.parse(Buffer.from(patch ?? 'W10=', 'base64').toString('utf8'));
const addsHostPath = (patch?: string) => JSON.stringify(patchOps(patch)).includes('"hostPath"');

describe('namespace labels in admission', () => {
  const namespaces = staticNamespaceIndex({
    locked: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    open: {},
  });

  it('a namespace enforcing restricted gets no hostPath, and a warning', () => {
    const { response } = mutate(request('locked'), defaultPolicy(), { namespaces });
    expect(addsHostPath(response.patch)).toBe(false);
    expect(response.warnings?.join('\n')).toContain('persistentVolumeClaim');
  });

  it('an open namespace, an unknown one, and no index at all: the hostPath as the policy says', () => {
    expect(addsHostPath(mutate(request('open'), defaultPolicy(), { namespaces }).response.patch)).toBe(true);
    expect(addsHostPath(mutate(request('not-listed'), defaultPolicy(), { namespaces }).response.patch)).toBe(true);
    expect(addsHostPath(mutate(request('locked'), defaultPolicy()).response.patch)).toBe(true);
  });

  it('the index reads own properties only', () => {
    expect(namespaces.labels('constructor')).toBeUndefined();
    expect(namespaces.labels('open')).toEqual({});
  });
});

function servingPair() {
  const ca = createCA({ commonName: 'test-ca' });
  const leaf = issueCert({ ca, commonName: 'webhook', dnsNames: ['localhost'], usage: 'server' });
  return { cert: leaf.certPem, key: leaf.keyPem };
}

describe('the safety net sees the namespace as /mutate does', () => {
  const namespaces = staticNamespaceIndex({ locked: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
  const injectedIn = (namespace: string) => {
    const { response } = mutate(request(namespace), defaultPolicy(), { namespaces });
    const pod = applyPodPatch(sparkExecutorPod(), patchOps(response.patch) as PatchOperation[]);
    return { ...request(namespace), uid: 'u2', object: pod };
  };

  it('admits a pod injected without the socket in a restricted namespace', async () => {
    const server = buildServer({
      tls: servingPair(),
      policies: staticPolicyStore(defaultPolicy()),
      namespaces,
      logger: false,
    });
    try {
      const reply = await server.app.inject({
        method: 'POST',
        url: '/validate',
        payload: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: injectedIn('locked') },
      });
      expect(reply.json().response.allowed, reply.body).toBe(true);
    } finally {
      await server.app.close();
    }
  });

  it('without the labels the same pod would be denied: the check is not vacuous', () => {
    const result = validate(injectedIn('locked'), defaultPolicy(), injectOptionsFor('locked'));
    expect(result.response.allowed).toBe(false);
  });
});
