// Escape tried: pad a pod past the large-body threshold (256 KiB) so that the admission
// worker, not the event loop, answers it, hoping the worker misses part of the decision.
// The pod-level entries (/mutate/pod-opt-in, /validate/pod-opt-in) were the newest part
// of it: their gate (is pod-level opt-in allowed in this namespace? is the label being
// taken off?) must hold in the worker as on the event loop. Each padded review is sent to
// a server answering it on the event loop and to one answering it in the worker: the
// answers must be the same bytes, and the denials below must be denials.
// Needs `npm run build` (the worker runs from dist/, as in production).
import { afterAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../policies/k8s.js';
import { buildServer, type WebhookServer } from '../../webhook/server.js';
import { LARGE_BODY } from '../../webhook/large-body.js';
import { createCA, issueCert } from '../../certs/pki.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { policyWith } from '../fixtures/policy.js';
import { staticNamespaceIndex } from '../support/namespace-index.js';
import { staticPolicyStore } from '../support/policy-store.js';

const GATE = 'sec.graphdata.io/pod-opt-in';
const ALLOWED = 'team-allowed';
const NOT_ALLOWED = 'team-other';
const policy = {
  ...policyWith({
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io'] },
    podOptIn: { namespaceSelector: { matchLabels: { [GATE]: 'yes' } } },
  }),
  kind: 'ClusterGraphDataPolicy' as const,
  name: 'platform',
};
const namespaces = staticNamespaceIndex({ [ALLOWED]: { [GATE]: 'yes' }, [NOT_ALLOWED]: { team: 'other' } });

const authority = createCA({ commonName: 'test-ca' });
const leaf = issueCert({ ca: authority, commonName: 'webhook', ipAddresses: ['127.0.0.1'], usage: 'server' });
const server = (largeBodyBytes: number): WebhookServer =>
  buildServer({
    policies: staticPolicyStore(policy),
    namespaces,
    tls: { cert: leaf.certPem, key: leaf.keyPem },
    logger: false,
    largeBodies: { bytes: largeBodyBytes, deadlineMs: 20_000 },
  });
// The same reviews: one server reads every body on the event loop, the other sends the padded ones to the worker.
const here = server(64 * 1024 * 1024);
const worker = server(LARGE_BODY);
afterAll(async () => {
  await here.app.close();
  await worker.app.close();
});

/** A Spark executor, its label and image as given, padded past LARGE_BODY with env entries (the tenant's to write). */
const executor = (label: string | undefined, image = 'docker.io/apache/spark:3.5.1'): Pod => {
  const pod = sparkExecutorPod();
  const main = pod.spec!.containers[0]!;
  main.image = image;
  main.env = [
    ...(main.env ?? []),
    ...Array.from({ length: 3_000 }, (_, i) => ({ name: `PAD_${i}`, value: 'abcdefghij'.repeat(10) })),
  ];
  const labels = { ...pod.metadata?.labels };
  if (label === undefined) delete labels['graphdata.io/inject'];
  else labels['graphdata.io/inject'] = label;
  pod.metadata = { ...pod.metadata, labels };
  return pod;
};

const review = (namespace: string, object: Pod, oldObject?: Pod) =>
  JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `u-${Math.random().toString(36).slice(2)}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      operation: oldObject ? 'UPDATE' : 'CREATE',
      namespace,
      userInfo: { username: 'tenant' },
      object,
      ...(oldObject ? { oldObject } : {}),
    },
  });

interface Answer {
  allowed: boolean;
  patch?: string;
  status?: { message?: string };
}

/** Posts the review to both servers; they must answer alike. Returns the worker's answer. */
async function answer(url: string, body: string): Promise<Answer> {
  expect(Buffer.byteLength(body)).toBeGreaterThan(LARGE_BODY);
  const post = (s: WebhookServer) =>
    s.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body });
  const [a, b] = [await post(here), await post(worker)];
  expect(b.statusCode).toBe(200);
  expect(b.body).toBe(a.body);
  return JSON.parse(b.body).response as Answer;
}

const QUAY = 'quay.io/acme/spark:3.5.1';

describe('a padded pod through the pod-level entries gets the small pod’s decision, in the worker', () => {
  it('a labelled pod where pod-level opt-in is not allowed: denied, never served as opted in', async () => {
    const denied = await answer('/validate/pod-opt-in', review(NOT_ALLOWED, executor('enabled')));
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toContain('pod-opt-in-not-allowed');
    const mutated = await answer('/mutate/pod-opt-in', review(NOT_ALLOWED, executor('enabled')));
    expect(mutated.allowed).toBe(true);
    expect(mutated.patch).toBeUndefined();
  });

  it('where it is allowed, a forbidden registry is denied and a valid pod injected', async () => {
    const denied = await answer('/validate/pod-opt-in', review(ALLOWED, executor('enabled', QUAY)));
    expect(denied.allowed).toBe(false);
    expect(denied.status?.message).toContain('registry-not-allowed');
    const mutated = await answer('/mutate/pod-opt-in', review(ALLOWED, executor('enabled')));
    expect(mutated.allowed).toBe(true);
    expect(Buffer.from(mutated.patch ?? '', 'base64').toString()).toContain('graphdata-alluxio-client');
  });

  it('the label cannot be taken off or changed by a padded UPDATE', async () => {
    for (const label of [undefined, 'false', 'Enabled']) {
      const run = await answer('/validate/pod-opt-in', review(ALLOWED, executor(label), executor('enabled')));
      expect(run.allowed, String(label)).toBe(false);
      expect(run.status?.message).toContain('pod-opt-in-label-removed');
    }
  });

  it('a padded pod of a namespace whose labels are unknown is denied (fail closed)', async () => {
    const run = await answer('/validate/pod-opt-in', review('team-unknown', executor('enabled')));
    expect(run.allowed).toBe(false);
    expect(run.status?.message).toContain('not known yet');
  });
});
