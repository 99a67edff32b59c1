// The pod-level entries (/mutate/pod-opt-in, /validate/pod-opt-in): a labelled pod is
// served as in an opted-in namespace where the cluster policy's spec.podOptIn allows it,
// and nowhere else; the label cannot be taken off to leave the validating entry. Each
// case runs on the event loop and in the admission worker (every body large).
import { afterAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import type { Pod } from '../../../policies/k8s.js';
import type { PatchOperation } from '../../../policies/patch.js';
import { buildServer, type WebhookServer } from '../../../webhook/server.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { staticNamespaceIndex } from '../../support/namespace-index.js';
import { applyPodPatch } from '../../support/pod-patch.js';
import { staticPolicyStore } from '../../support/policy-store.js';

const authority = createCA({ commonName: 'test-ca' });
const leaf = issueCert({ ca: authority, commonName: 'webhook', ipAddresses: ['127.0.0.1'], usage: 'server' });

const policy = policyWith({
  podOptIn: { namespaceSelector: { matchLabels: { 'platform.example/pod-opt-in': 'yes' } } },
});
const namespaces = staticNamespaceIndex({
  allowed: { 'platform.example/pod-opt-in': 'yes' },
  other: {},
});

const servers: WebhookServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.app.close();
});
const server = (opts: { worker: boolean; podOptIn?: boolean }) => {
  const p = opts.podOptIn === false ? policyWith({}) : policy;
  const s = buildServer({
    tls: { cert: leaf.certPem, key: leaf.keyPem },
    policies: staticPolicyStore(p),
    namespaces,
    logger: false,
    // Time enough for a worker starting at its lower priority on a busy machine: answers are compared here, not deadlines.
    ...(opts.worker ? { largeBodies: { bytes: 1, deadlineMs: 60_000 } } : {}),
  });
  servers.push(s);
  return s;
};

const labelled = (value = 'enabled'): Pod => {
  const pod = sparkExecutorPod();
  pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, 'graphdata.io/inject': value } };
  return pod;
};

const review = (namespace: string, object: Pod, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    operation: 'CREATE',
    namespace,
    object,
    ...extra,
  },
});

async function call(s: WebhookServer, url: string, payload: unknown) {
  const reply = await s.app.inject({ method: 'POST', url, payload: payload as object });
  expect(reply.statusCode, reply.body).toBe(200);
  return reply.json().response as {
    allowed: boolean;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string };
  };
}
const ops = (patch?: string): PatchOperation[] => JSON.parse(Buffer.from(patch ?? 'W10=', 'base64').toString());

describe.each([
  ['on the event loop', false],
  ['in the admission worker', true],
])('pod-level opt-in, %s', (_where, worker) => {
  it('where the cluster policy allows it: injected, and the injected pod passes the safety net', async () => {
    const s = server({ worker });
    const mutated = await call(s, '/mutate/pod-opt-in', review('allowed', labelled()));
    expect(mutated.allowed).toBe(true);
    const pod = applyPodPatch(labelled(), ops(mutated.patch));
    expect(pod.metadata?.annotations?.['graphdata.io/injected']).toBeDefined();
    // Idempotent: the injected pod sent again (reinvocation) gets no further patch.
    const again = await call(s, '/mutate/pod-opt-in', review('allowed', pod));
    expect(ops(again.patch)).toEqual([]);
    expect((await call(s, '/validate/pod-opt-in', review('allowed', pod))).allowed).toBe(true);
    // Uninjected (the mutating webhook was down): the safety net denies, as in an opted-in namespace.
    const bare = await call(s, '/validate/pod-opt-in', review('allowed', labelled()));
    expect(bare.allowed).toBe(false);
    expect(bare.status?.message).toContain('not-injected');
  });

  it('where it is not allowed: not injected, with a warning, and denied naming the policy and the fix', async () => {
    const s = server({ worker });
    const mutated = await call(s, '/mutate/pod-opt-in', review('other', labelled()));
    expect(mutated).toMatchObject({ allowed: true });
    expect(mutated.patch).toBeUndefined();
    expect(mutated.warnings?.join('\n')).toContain('pod-level opt-in is not allowed here');
    const denied = await call(s, '/validate/pod-opt-in', review('other', labelled()));
    expect(denied.allowed).toBe(false);
    expect(denied.status?.code).toBe(403);
    expect(denied.status?.message).toContain('pod-opt-in-not-allowed');
    expect(denied.status?.message).toContain('platform.example/pod-opt-in=yes');
    expect(denied.status?.message).toContain('remove the label graphdata.io/inject=enabled');
  });

  it('a namespace whose labels are unknown, and a policy without podOptIn: not allowed', async () => {
    const unknown = await call(server({ worker }), '/validate/pod-opt-in', review('not-listed', labelled()));
    expect(unknown.status?.message).toContain('are not known yet');
    const none = await call(server({ worker, podOptIn: false }), '/validate/pod-opt-in', review('allowed', labelled()));
    expect(none.allowed).toBe(false);
    expect(none.status?.message).toContain('allows pod-level opt-in in no namespace');
    const mutated = await call(
      server({ worker, podOptIn: false }),
      '/mutate/pod-opt-in',
      review('allowed', labelled()),
    );
    expect(mutated.patch).toBeUndefined();
  });

  it('the label cannot be removed or changed on a pod that opted in by it; adding nothing else is judged', async () => {
    const s = server({ worker });
    const injected = applyPodPatch(
      labelled(),
      ops((await call(s, '/mutate/pod-opt-in', review('allowed', labelled()))).patch),
    );
    const stripped = structuredClone(injected);
    delete stripped.metadata!.labels!['graphdata.io/inject'];
    for (const object of [
      stripped,
      { ...injected, metadata: { ...injected.metadata, labels: { 'graphdata.io/inject': 'false' } } },
    ]) {
      const update = await call(
        s,
        '/validate/pod-opt-in',
        review('allowed', object as Pod, { operation: 'UPDATE', oldObject: injected }),
      );
      expect(update.allowed).toBe(false);
      expect(update.status?.message).toContain('pod-opt-in-label-removed');
    }
    // Where it is not allowed, taking the label off is how the pod gets right: admitted.
    const off = await call(
      s,
      '/validate/pod-opt-in',
      review('other', stripped, { operation: 'UPDATE', oldObject: injected }),
    );
    expect(off.allowed).toBe(true);
  });

  it('a pod sent without the label (not ours) is left alone', async () => {
    const s = server({ worker });
    const mutated = await call(s, '/mutate/pod-opt-in', review('allowed', sparkExecutorPod()));
    expect(mutated).toEqual({ uid: 'u1', allowed: true });
    // A value other than `enabled` does not opt in (the objectSelector matches `enabled` only).
    expect(await call(s, '/validate/pod-opt-in', review('other', labelled('Enabled')))).toEqual({
      uid: 'u1',
      allowed: true,
    });
  });
});

describe('the namespace-level entry is unchanged', () => {
  it('/mutate injects a labelled pod without looking at spec.podOptIn', async () => {
    const s = server({ worker: false, podOptIn: false });
    const mutated = await call(s, '/mutate', review('other', labelled()));
    expect(ops(mutated.patch).length).toBeGreaterThan(0);
  });
});
