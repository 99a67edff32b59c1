// POST /validate over real HTTPS: denials with the validate text, Audit warnings within
// the apiserver's limit, metrics by rule, and bad input answered with 4xx, never 5xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import { WARNING_MAX_CHARS } from '../../../policies/diagnostics.js';
import { inject } from '../../../policies/engine.js';
import type { Pod } from '../../../policies/k8s.js';
import { staticPolicyStore } from '../../support/policy-store.js';
import { buildServer, type WebhookServer } from '../../../webhook/server.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { admissionReview, httpsCall, postJson } from '../../support/webhook-client.js';

const LIMITS = { allowedRegistries: ['registry.internal', 'docker.io'] };
let enforced: WebhookServer;
let audited: WebhookServer;
let ca: string;

async function start(mode: 'Enforce' | 'Audit', tls: { cert: string; key: string }) {
  const server = buildServer({ tls, policies: staticPolicyStore(policyWith({ mode, limits: LIMITS })), logger: false });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  return server;
}
const url = (s: WebhookServer, path: string) =>
  `https://127.0.0.1:${(s.app.server.address() as { port: number }).port}${path}`;

beforeAll(async () => {
  const authority = createCA({ commonName: 'test-ca' });
  const serving = issueCert({
    ca: authority,
    commonName: 'graphdata-webhook',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  ca = authority.certPem;
  const tls = { cert: serving.certPem, key: serving.keyPem };
  enforced = await start('Enforce', tls);
  audited = await start('Audit', tls);
});
afterAll(async () => {
  await enforced.shutdown();
  await audited.shutdown();
});

const quayExecutor = (): Pod => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.image = 'quay.io/acme/spark:3.5.1';
  return inject(pod, policyWith({ limits: LIMITS }), { namespace: 'tenant-a' }).pod;
};

describe('POST /validate', () => {
  it('Enforce: denies with status 403 and the validate text, field path included', async () => {
    const review = admissionReview(quayExecutor());
    const reply = await postJson(url(enforced, '/validate'), ca, review);
    expect(reply.status).toBe(200);
    const { response } = reply.json();
    expect(response).toMatchObject({ uid: review.request.uid, allowed: false, status: { code: 403 } });
    expect(response.status.message).toMatch(
      /^error registry-not-allowed: image quay.io\/acme\/spark:3.5.1 comes from quay.io, which the policy does not allow \(spec.containers\[0\].image\)\n {4}hint: /,
    );
    expect(response.patch).toBeUndefined();
  });

  it('Audit: admits with warnings, each within the apiserver limit, counted by rule', async () => {
    const pod = quayExecutor();
    pod.spec!.containers[0]!.image = `quay.io/${'very-long-path/'.repeat(30)}spark:3.5.1`;
    const { response } = (await postJson(url(audited, '/validate'), ca, admissionReview(pod))).json();
    expect(response.allowed).toBe(true);
    expect(response.warnings).toHaveLength(1);
    expect(response.warnings[0]).toMatch(/^graphdata registry-not-allowed: /);
    expect(response.warnings[0].length).toBeLessThanOrEqual(WARNING_MAX_CHARS);
    const metrics = (await httpsCall(url(audited, '/metrics'), ca)).body;
    expect(metrics).toMatch(
      /graphdata_policy_violations_total\{rule="registry-not-allowed",action="warned",kind="Pod"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /graphdata_admission_requests_total\{webhook="validate",outcome="warned",dry_run="false"\} 1/,
    );
  });

  it('the safety net denies an uninjected executor, and counts it', async () => {
    const { response } = (await postJson(url(audited, '/validate'), ca, admissionReview(sparkExecutorPod()))).json();
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain('error not-injected: spark-executor pod was not injected');
    const metrics = (await httpsCall(url(audited, '/metrics'), ca)).body;
    expect(metrics).toMatch(
      /graphdata_policy_violations_total\{rule="not-injected",action="denied",kind="Pod"\} [1-9]/,
    );
  });

  it('checks custom resources at UPDATE, and ignores deletes and subresources it does not judge', async () => {
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'wc', namespace: 'tenant-a' },
      spec: {
        type: 'Java',
        mode: 'cluster',
        image: 'quay.io/acme/spark:3.5.1',
        mainClass: 'Main',
        mainApplicationFile: 'local:///opt/app.jar',
        sparkVersion: '3.5.1',
        driver: { cores: 1, memory: '1g', serviceAccount: 'spark' },
        executor: { cores: 1, instances: 1, memory: '1g' },
      },
    };
    const kind = { group: 'sparkoperator.k8s.io', version: 'v1beta2', kind: 'SparkApplication' };
    const update = admissionReview(app as unknown as Pod, {
      operation: 'UPDATE',
      kind,
      oldObject: { ...app, spec: { ...app.spec, image: 'docker.io/apache/spark:3.5.1' } },
    });
    const { response } = (await postJson(url(enforced, '/validate'), ca, update)).json();
    expect(response.allowed).toBe(false);
    expect(response.status.message).toContain('(spec.image)');
    const quay = quayExecutor();
    for (const extra of [
      { operation: 'DELETE' },
      { operation: 'UPDATE', subResource: 'status', oldObject: sparkExecutorPod() },
      { operation: 'CREATE', subResource: 'binding' },
      { operation: 'UPDATE', subResource: 'ephemeralcontainers', kind: { group: 'apps', version: 'v1', kind: 'Pod' } },
    ]) {
      const r = (await postJson(url(enforced, '/validate'), ca, admissionReview(quay, extra))).json();
      expect(r.response, JSON.stringify(extra)).toEqual({ uid: expect.any(String), allowed: true });
    }
  });

  it('pods at UPDATE: a new image is denied, what the stored pod already broke only warns', async () => {
    const stored = inject(sparkExecutorPod(), policyWith({ limits: LIMITS }), { namespace: 'tenant-a' }).pod;
    // kubectl set image: the change brings quay.io in.
    const setImage = admissionReview(quayExecutor(), { operation: 'UPDATE', oldObject: stored });
    const denied = (await postJson(url(enforced, '/validate'), ca, setImage)).json().response;
    expect(denied.allowed).toBe(false);
    expect(denied.status.message).toContain('error registry-not-allowed: image quay.io/acme/spark:3.5.1');
    // A pod stored on quay.io before the policy: relabelling it is admitted, with the warning.
    const relabelled = quayExecutor();
    relabelled.metadata!.labels = { ...relabelled.metadata!.labels, tier: 'batch' };
    const update = admissionReview(relabelled, { operation: 'UPDATE', oldObject: quayExecutor() });
    const admitted = (await postJson(url(enforced, '/validate'), ca, update)).json().response;
    expect(admitted.allowed).toBe(true);
    expect(admitted.warnings).toEqual([expect.stringMatching(/^graphdata registry-not-allowed: /)]);
  });

  it('pods/ephemeralcontainers and pods/resize are judged as UPDATEs; the safety net is not', async () => {
    // An uninjected executor (the mutating webhook was down at CREATE): the safety net is a CREATE check.
    const stored = sparkExecutorPod();
    const debugged = (image: string): Pod => ({
      ...stored,
      spec: { ...stored.spec!, ephemeralContainers: [{ name: 'debugger', image }] } as Pod['spec'],
    });
    const review = (pod: Pod, subResource: string) =>
      admissionReview(pod, { operation: 'UPDATE', subResource, oldObject: stored });
    const forbidden = (
      await postJson(url(enforced, '/validate'), ca, review(debugged('quay.io/x/debug:1'), 'ephemeralcontainers'))
    ).json();
    expect(forbidden.response.allowed).toBe(false);
    expect(forbidden.response.status.message).toContain('(spec.ephemeralContainers[0].image)');
    const allowed = (
      await postJson(
        url(enforced, '/validate'),
        ca,
        review(debugged('docker.io/library/busybox:1'), 'ephemeralcontainers'),
      )
    ).json();
    expect(allowed.response).toEqual({ uid: expect.any(String), allowed: true });
    const resized = (await postJson(url(enforced, '/validate'), ca, review(stored, 'resize'))).json();
    expect(resized.response).toEqual({ uid: expect.any(String), allowed: true });
    // The same uninjected pod at CREATE is denied by the safety net: the UPDATEs above were judged without it.
    const created = (await postJson(url(enforced, '/validate'), ca, admissionReview(stored))).json();
    expect(created.response.status.message).toContain('not-injected');
  });

  it('an object breaking a rule 60 times gets 15 findings and a count, in the denial and in the warnings', async () => {
    const pod = quayExecutor();
    for (let i = 0; i < 59; i++) pod.spec!.containers.push({ name: `side-${i}`, image: `quay.io/acme/side:${i}` });
    const review = admissionReview(pod);
    const denied = (await postJson(url(enforced, '/validate'), ca, review)).json().response;
    expect(denied.allowed).toBe(false);
    const message = denied.status.message as string;
    expect(message.match(/^error registry-not-allowed: /gm)).toHaveLength(15);
    expect(message).toMatch(/\n… and 45 more; kubectl graphdata validate lists them all$/);
    const warned = (await postJson(url(audited, '/validate'), ca, review)).json().response;
    expect(warned.allowed).toBe(true);
    const warnings = warned.warnings as string[];
    expect(warnings).toHaveLength(15);
    expect(warnings.at(-1)).toMatch(
      /^graphdata: \d+ more warnings not shown; kubectl graphdata validate lists them all$/,
    );
  });

  it('bad input gets a 400 with a reason, never a 5xx', async () => {
    const missing = admissionReview(sparkExecutorPod());
    (missing.request as Record<string, unknown>).object = null;
    for (const body of ['{', '[]', { kind: 'AdmissionReview' }, missing]) {
      const reply = await postJson(url(enforced, '/validate'), ca, body);
      expect(reply.status).toBe(400);
      expect(reply.json().reason).toBeTruthy();
    }
    const metrics = (await httpsCall(url(enforced, '/metrics'), ca)).body;
    expect(metrics).toMatch(
      /graphdata_admission_requests_total\{webhook="validate",outcome="bad_request",dry_run="unknown"\} 4/,
    );
  });
});
