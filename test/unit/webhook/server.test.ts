import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import type { Pod } from '../../../policies/k8s.js';
import { applyPodPatch } from '../../support/pod-patch.js';
import { ENGINE_VERSION } from '../../../policies/engine-version.js';
import { staticPolicyStore } from '../../support/policy-store.js';
import { buildServer, type WebhookServer } from '../../../webhook/server.js';
import { DEFAULT_MEMORY_LIMIT, memoryPlan } from '../../../common/memory-budget.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { admissionReview, decodePatch, httpsCall, postJson } from '../../support/webhook-client.js';

let server: WebhookServer;
let base: string;
let ca: string;

beforeAll(async () => {
  const authority = createCA({ commonName: 'test-ca' });
  const serving = issueCert({
    ca: authority,
    commonName: 'graphdata-webhook',
    ipAddresses: ['127.0.0.1'],
    dnsNames: ['localhost'],
    usage: 'server',
  });
  ca = authority.certPem;
  server = buildServer({
    tls: { cert: serving.certPem, key: serving.keyPem },
    policies: staticPolicyStore(defaultPolicy()),
    logger: false,
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  base = `https://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
});
afterAll(() => server.shutdown());

const mutate = (body: unknown) => postJson(`${base}/mutate`, ca, body);

describe('POST /mutate over HTTPS', () => {
  it('patches a Spark executor with jar, config, socket and placement, echoing the uid', async () => {
    const pod = sparkExecutorPod();
    const review = admissionReview(pod);
    const reply = await mutate(review);
    expect(reply.status).toBe(200);
    const { apiVersion, kind, response } = reply.json();
    expect({ apiVersion, kind }).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    expect(response).toMatchObject({ uid: review.request.uid, allowed: true, patchType: 'JSONPatch' });
    const patched = applyPodPatch<Pod>(pod, decodePatch(response.patch));
    const c = patched.spec!.containers[0]!;
    expect(c.env!.map((e) => e.name)).toEqual(
      expect.arrayContaining(['SPARK_EXTRA_CLASSPATH', 'JAVA_TOOL_OPTIONS', 'ALLUXIO_CLIENT_HOSTNAME']),
    );
    expect(c.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-domain',
      mountPath: '/opt/domain',
      readOnly: true,
    });
    expect(patched.spec!.initContainers![0]!.name).toBe('graphdata-alluxio-client');
    expect(patched.spec!.nodeSelector).toEqual({ alluxio: 'true' });

    const again = (await mutate(admissionReview(patched))).json().response;
    expect(again.allowed).toBe(true);
    expect(again.patch).toBeUndefined();
  });

  it('answers dry-run requests exactly like real ones', async () => {
    const real = (await mutate(admissionReview(sparkExecutorPod()))).json().response;
    const dry = (await mutate(admissionReview(sparkExecutorPod(), { dryRun: true }))).json().response;
    expect(dry.patch).toBe(real.patch);
  });

  it('admits other kinds and operations untouched', async () => {
    for (const extra of [
      { operation: 'UPDATE' },
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
      { subResource: 'ephemeralcontainers' },
    ]) {
      const response = (await mutate(admissionReview(sparkExecutorPod(), extra))).json().response;
      expect(response).toEqual({ uid: expect.any(String), allowed: true });
    }
  });

  it('returns warnings for conflicts instead of a duplicate the apiserver would reject', async () => {
    const pod = sparkExecutorPod();
    pod.spec!.volumes!.push({ name: 'graphdata-alluxio-domain', emptyDir: {} });
    const response = (await mutate(admissionReview(pod))).json().response;
    expect(response.warnings).toEqual([
      expect.stringMatching(/^graphdata domain-socket-conflict: volume graphdata-alluxio-domain/),
    ]);
    const patched = applyPodPatch<Pod>(pod, decodePatch(response.patch));
    expect(patched.spec!.volumes!.filter((v) => v.name === 'graphdata-alluxio-domain')).toHaveLength(1);
  });

  it('fails open with a warning when injection itself breaks', async () => {
    const broken = { metadata: { labels: { 'spark-role': 'executor' } }, spec: { containers: 'not-a-list' } };
    const reply = await mutate(admissionReview(broken as unknown as Pod));
    expect(reply.status).toBe(200);
    expect(reply.json().response).toMatchObject({
      allowed: true,
      warnings: [expect.stringContaining('injection failed')],
    });
    expect(reply.json().response.patch).toBeUndefined();
  });
});

describe('bad requests get 4xx with a reason, never 5xx', () => {
  it.each([
    ['non-JSON', 'garbage', /not valid JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), /not valid UTF-8/],
    [
      'wrong apiVersion',
      { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', request: { uid: 'x' } },
      /apiVersion must be admission.k8s.io\/v1/,
    ],
    ['wrong kind', { apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }, /kind must be AdmissionReview/],
    ['missing request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request is missing/],
    [
      'missing uid',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE' } },
      /request.uid is missing/,
    ],
    ['a JSON array', [], /must be a JSON object/],
    [
      'a Pod CREATE without object',
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { uid: 'x', operation: 'CREATE', kind: { kind: 'Pod' } },
      },
      /request.object/,
    ],
  ])('%s → 400', async (_, body, reason) => {
    const reply = await httpsCall(`${base}/mutate`, ca, {
      method: 'POST',
      body: Buffer.isBuffer(body) ? body : typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json().reason).toMatch(reason);
  });

  it('a body over the limit (32 MiB at the default 512 MiB memory limit) → 413, said as a Status', async () => {
    const limit = memoryPlan(DEFAULT_MEMORY_LIMIT).maxBodyBytes;
    expect(limit).toBe(32 * 1024 * 1024);
    const reply = await httpsCall(`${base}/mutate`, ca, {
      method: 'POST',
      body: Buffer.alloc(limit + 10, 0x20),
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(413);
    expect(reply.json()).toMatchObject({ kind: 'Status', code: 413, message: expect.stringContaining('graphdata: ') });
  });

  it('a 5 MiB review (an env-heavy pod with its managedFields, over the old 3 MiB limit) is answered', async () => {
    const pod = sparkExecutorPod();
    const env = Array.from({ length: 60_000 }, (_, i) => ({ name: `E${i}`, value: 'v' }));
    pod.spec!.containers[0]!.env = [...(pod.spec!.containers[0]!.env ?? []), ...env];
    const managed: Record<string, unknown> = {};
    for (let i = 0; i < env.length; i++) managed[`k:{"name":"E${i}"}`] = { '.': {}, 'f:name': {}, 'f:value': {} };
    pod.metadata!.managedFields = [
      { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': { 'f:env': managed } } },
    ];
    const review = admissionReview(pod);
    const body = JSON.stringify(review);
    expect(Buffer.byteLength(body)).toBeGreaterThan(5 * 1024 * 1024);
    const reply = await httpsCall(`${base}/mutate`, ca, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.status).toBe(200);
    expect(reply.json().response).toMatchObject({ uid: review.request.uid, allowed: true, patchType: 'JSONPatch' });
  });

  it('fuzzed AdmissionReviews never get a 5xx', async () => {
    const seedReview = admissionReview(sparkExecutorPod());
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const junk = [null, 0, -1, 'x', true, [], {}, [1, 'a'], { a: { b: [] } }, 1e308, '\u0000'];
    const paths = collectPaths(seedReview);
    for (let i = 0; i < 300; i++) {
      const review = structuredClone(seedReview) as Record<string, unknown>;
      const path = paths[Math.floor(random() * paths.length)]!;
      setAt(review, path, junk[Math.floor(random() * junk.length)]);
      const reply = await server.app.inject({
        method: 'POST',
        url: '/mutate',
        payload: JSON.stringify(review),
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.statusCode, `mutating ${path.join('.')}`).toBeLessThan(500);
    }
  });
});

describe('health and metrics', () => {
  it('serves /healthz, /readyz and Prometheus metrics', async () => {
    expect((await httpsCall(`${base}/healthz`, ca)).status).toBe(200);
    expect((await httpsCall(`${base}/readyz`, ca)).json()).toMatchObject({ status: 'ready' });
    expect((await httpsCall(`${base}/version`, ca)).json()).toEqual({
      version: ENGINE_VERSION,
      policy: 'in-memory policy',
      policyStore: { generation: 1, synced: true, stale: false },
    });
    const metrics = (await httpsCall(`${base}/metrics`, ca)).body;
    expect(metrics).toMatch(
      /graphdata_admission_requests_total\{webhook="mutate",outcome="injected",dry_run="false"\} \d+/,
    );
    expect(metrics).toMatch(/graphdata_injections_total\{workload="spark-executor",mutator="domain-socket"\} \d+/);
    expect(metrics).toMatch(/graphdata_admission_duration_seconds_bucket/);
  });
});

function collectPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => collectPaths(v, [...prefix, k]))];
}

function setAt(root: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  if (path.length === 0) return;
  let node: any = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = value;
}

describe('graceful shutdown', () => {
  it('finishes a request that is in flight when shutdown starts, and refuses new ones', async () => {
    const authority = createCA({ commonName: 'drain-ca' });
    const serving = issueCert({ ca: authority, commonName: 'drain', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const draining = buildServer({
      tls: { cert: serving.certPem, key: serving.keyPem },
      policies: staticPolicyStore(defaultPolicy()),
      logger: false,
    });
    await draining.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (draining.app.server.address() as { port: number }).port;
    const body = JSON.stringify(admissionReview(sparkExecutorPod()));

    // Send half the body, start the shutdown, then send the rest.
    const { request } = await import('node:https');
    const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate',
          method: 'POST',
          ca: authority.certPem,
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 100));
      setTimeout(() => req.end(body.slice(100)), 300);
    });
    await new Promise((r) => setTimeout(r, 100));
    const closed = draining.shutdown();
    const answered = await reply;
    expect(answered.status).toBe(200);
    expect(JSON.parse(answered.body).response.patchType).toBe('JSONPatch');
    await closed;
    await expect(httpsCall(`https://127.0.0.1:${port}/healthz`, authority.certPem)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('warning text', () => {
  it('is one line within the apiserver limit', async () => {
    const { warningText, WARNING_MAX_CHARS } = await import('../../../policies/diagnostics.js');
    const long = warningText({ severity: 'warning', code: 'x', message: 'word\n'.repeat(200), hint: 'fix it' });
    expect(long.length).toBe(WARNING_MAX_CHARS);
    expect(long).not.toContain('\n');
    expect(long.endsWith('…')).toBe(true);
  });
});
