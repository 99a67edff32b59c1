// Large bodies are parsed and answered in the admission worker. Lowering the threshold to
// one byte sends every review there: each answer must be the event loop's, byte for byte,
// with the same status, metrics and log line; and a worker that fails in any way must not
// take the server down or answer 5xx.
import { afterAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import { staticNamespaceIndex } from '../../../common/namespace-index.js';
import { inject } from '../../../policies/engine.js';
import { runtimeLookupFrom } from '../../../policies/fluid-runtime.js';
import type { Pod } from '../../../policies/k8s.js';
import type { PolicyStore } from '../../../webhook/policy-store.js';
import { staticPolicyStore } from '../../../webhook/policy-store.js';
import { buildServer, type ServerOptions, type WebhookServer } from '../../../webhook/server.js';
import { policyObjects, policySnapshot, REQUEST_NAMESPACE } from '../../bench/policy-scale.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';

const authority = createCA({ commonName: 'test-ca' });
const leaf = issueCert({ ca: authority, commonName: 'webhook', ipAddresses: ['127.0.0.1'], usage: 'server' });
const tls = { cert: leaf.certPem, key: leaf.keyPem };

interface Logged {
  level: string;
  msg: string;
  obj: Record<string, unknown>;
}

/** A server whose request loggers are recorded (fastify's logger is off). */
function recorded(opts: Omit<ServerOptions, 'tls' | 'logger'>): { server: WebhookServer; logs: Logged[] } {
  const server = buildServer({ ...opts, tls, logger: false });
  const logs: Logged[] = [];
  const at =
    (level: string) =>
    (obj: Record<string, unknown>, msg: string): void => {
      logs.push({ level, msg, obj });
    };
  server.app.addHook('onRequest', async (request) => {
    request.log = { ...request.log, info: at('info'), warn: at('warn'), error: at('error') } as typeof request.log;
  });
  return { server, logs };
}

const servers: WebhookServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.app.close();
});

/** The same options twice: bodies answered on the event loop, and every body answered in the worker. */
function pair(opts: Omit<ServerOptions, 'tls' | 'logger'>) {
  const here = recorded(opts);
  const worker = recorded({ ...opts, largeBodies: { bytes: 1 } });
  servers.push(here.server, worker.server);
  return { here, worker };
}

const post = (server: WebhookServer, url: string, payload: string | Buffer, contentType = 'application/json') =>
  server.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

/** The counters, without the durations (timings differ). */
async function counters(server: WebhookServer): Promise<string> {
  const text = await server.metrics.registry.metrics();
  return text
    .split('\n')
    .filter((l) => l.startsWith('graphdata_') && !l.startsWith('graphdata_admission_duration'))
    .join('\n');
}

/** Log lines without the time they report, and errors by message. */
const comparable = (logs: Logged[]) =>
  logs.map(({ level, msg, obj }) => {
    const { ms, err, ...rest } = obj;
    return {
      level,
      msg,
      ...rest,
      ms: typeof ms,
      ...(err ? { err: (err as Error).message } : {}),
    };
  });

const review = (request: Record<string, unknown>) =>
  JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request });
const podRequest = (object: unknown, extra: Record<string, unknown> = {}) => ({
  uid: `u-${Math.random().toString(36).slice(2)}`,
  kind: { group: '', version: 'v1', kind: 'Pod' },
  resource: { group: '', version: 'v1', resource: 'pods' },
  operation: 'CREATE',
  namespace: REQUEST_NAMESPACE,
  object,
  ...extra,
});

/** Sends every body to both servers in turn; answers, status codes, metrics and logs must be equal. */
async function expectSame(
  servers: ReturnType<typeof pair>,
  cases: [string, '/mutate' | '/validate', string | Buffer][],
): Promise<void> {
  for (const [name, url, body] of cases) {
    const a = await post(servers.here.server, url, body);
    const b = await post(servers.worker.server, url, body);
    expect(b.statusCode, name).toBe(a.statusCode);
    expect(b.headers['content-type'], name).toBe(a.headers['content-type']);
    expect(b.body, name).toBe(a.body);
  }
  expect(await counters(servers.worker.server)).toBe(await counters(servers.here.server));
  expect(comparable(servers.worker.logs)).toEqual(comparable(servers.here.logs));
}

const manyContainers = (n: number): Pod => {
  const pod = sparkExecutorPod();
  for (let i = 0; i < n; i++) pod.spec!.containers.push({ name: `c${i}`, image: `registry.example.com/s${i}:latest` });
  return pod;
};

describe('the admission worker answers as the event loop does', () => {
  it('/mutate and /validate: injected, unchanged, ignored, denied, policy objects and malformed bodies', async () => {
    const snapshot = policySnapshot(20);
    const store: PolicyStore = {
      snapshot: () => snapshot,
      source: 'test',
      health: () => ({ synced: true, stale: false, generation: 1 }),
    };
    const both = pair({
      policies: store,
      namespaces: staticNamespaceIndex({
        [REQUEST_NAMESPACE]: { team: 'analytics' },
        locked: { 'pod-security.kubernetes.io/enforce': 'restricted' },
      }),
    });
    const executor = sparkExecutorPod();
    const injected = inject(sparkExecutorPod(), snapshot.policyFor(REQUEST_NAMESPACE), {
      namespace: REQUEST_NAMESPACE,
      namespaceLabels: { team: 'analytics' },
    }).pod;
    const { cluster, namespaced } = policyObjects(20);
    const other = { ...cluster[0]!, metadata: { ...cluster[0]!.metadata, name: 'other' } };
    const loose = { ...namespaced[0]!, spec: { limits: { maxExecutorCores: 64 } } };
    const policyRequest = (object: (typeof cluster)[number], namespace?: string) => ({
      uid: 'policy-1',
      kind: { group: 'graphdata.io', version: 'v1alpha1', kind: object.kind },
      operation: 'CREATE',
      name: object.metadata?.name,
      ...(namespace ? { namespace } : {}),
      object,
    });
    const cases: [string, '/mutate' | '/validate', string | Buffer][] = [];
    for (const url of ['/mutate', '/validate'] as const) {
      cases.push(
        [`${url} executor`, url, review(podRequest(executor))],
        [`${url} executor, dry run`, url, review(podRequest(executor, { dryRun: true }))],
        [`${url} executor, restricted namespace`, url, review(podRequest(executor, { namespace: 'locked' }))],
        [`${url} executor, no namespace`, url, review(podRequest(executor, { namespace: undefined }))],
        [`${url} injected already`, url, review(podRequest(injected))],
        [`${url} 300 containers`, url, review(podRequest(manyContainers(300)))],
        [`${url} not a workload`, url, review(podRequest({ metadata: { name: 'p' }, spec: { containers: [] } }))],
        [`${url} DELETE`, url, review(podRequest(executor, { operation: 'DELETE' }))],
        [`${url} a ConfigMap`, url, review(podRequest({}, { kind: { group: '', version: 'v1', kind: 'ConfigMap' } }))],
        [`${url} object not an object`, url, review(podRequest('pod'))],
        [`${url} namespace not a string`, url, review(podRequest(executor, { namespace: ['a'] }))],
        [`${url} no uid`, url, review({ ...podRequest(executor), uid: '' })],
        [`${url} wrong kind`, url, JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'Pod' })],
        [`${url} wrong apiVersion`, url, JSON.stringify({ apiVersion: 'v1', kind: 'AdmissionReview' })],
        [`${url} an array`, url, '[]'],
        [`${url} malformed JSON`, url, '{"apiVersion": '],
        [`${url} invalid UTF-8`, url, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])],
        [`${url} deep nesting`, url, '['.repeat(1_001)],
        [
          `${url} BOM`,
          url,
          Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(review(podRequest(executor)))]),
        ],
      );
    }
    cases.push(
      ['/validate a second cluster policy', '/validate', review(policyRequest(other))],
      ['/validate the cluster policy tightened', '/validate', review(policyRequest(cluster[0]!))],
      ['/validate a loosening namespace policy', '/validate', review(policyRequest(loose, loose.metadata?.namespace))],
    );
    await expectSame(both, cases);
    // The cases meant what they say: some injected, some denied, some refused.
    const text = await counters(both.worker.server);
    expect(text).toMatch(/outcome="injected"/);
    expect(text).toMatch(/outcome="denied"/);
    expect(text).toMatch(/outcome="bad_request"/);
    expect(text).toMatch(/outcome="ignored"/);
    expect(both.worker.logs.some((l) => JSON.stringify(l.obj).includes('not-injected'))).toBe(true);
  });

  it('Fluid mode: the runtime of the request’s namespace reaches the worker, never another namespace’s', async () => {
    const runtime = (namespace: string, rpc: number) => ({
      metadata: { name: 'sales', namespace },
      spec: { master: { ports: { rpc } } },
      status: { masterPhase: 'Ready' },
    });
    const both = pair({
      policies: staticPolicyStore(policyWith({ cache: 'fluid' })),
      runtimes: runtimeLookupFrom([runtime('ns', 20003), runtime('other', 20999)]),
      namespaces: staticNamespaceIndex({ ns: {} }),
    });
    const pod = (namespace?: string) => {
      const p = sparkExecutorPod();
      p.metadata = { ...p.metadata, annotations: { 'graphdata.io/dataset': 'sales' } };
      if (namespace) p.metadata.namespace = namespace;
      return p;
    };
    await expectSame(both, [
      ['mutate', '/mutate', review(podRequest(pod(), { namespace: 'ns' }))],
      ['validate', '/validate', review(podRequest(pod(), { namespace: 'ns' }))],
      // The pod naming another namespace, with the request's missing: no runtime at all.
      ['pod says other', '/mutate', review(podRequest(pod('other'), { namespace: undefined }))],
      ['pod says other, request ns', '/mutate', review(podRequest(pod('other'), { namespace: 'ns' }))],
      ['unknown dataset', '/mutate', review(podRequest(sparkExecutorPod(), { namespace: 'ns' }))],
    ]);
    const bodies = await Promise.all(
      ['ns', undefined].map(
        async (namespace) =>
          (await post(both.worker.server, '/mutate', review(podRequest(pod('other'), { namespace })))).body,
      ),
    );
    const patch = (body: string) => Buffer.from(JSON.parse(body).response.patch ?? '', 'base64').toString();
    expect(patch(bodies[0]!)).toContain('sales-master-0.ns -Dalluxio.master.rpc.port=20003');
    expect(bodies.join('')).not.toContain('20999');
  });
});

describe('a failing admission worker', () => {
  const server = buildServer({
    tls,
    policies: staticPolicyStore(policyWith({})),
    logger: false,
    largeBodies: { bytes: 1, deadlineMs: 1_500, testHooks: true, resourceLimits: { maxOldGenerationSizeMb: 48 } },
  });
  servers.push(server);
  const faulty = (uid: string) => review(podRequest(sparkExecutorPod(), { uid }));

  it.each(['throw', 'crash', 'exit', 'hang', 'oom'])(
    '%s: /mutate admits unchanged with a warning, /validate denies, the next review is answered',
    async (fault) => {
      const mutated = await post(server, '/mutate', faulty(`worker-test:${fault}`));
      expect(mutated.statusCode).toBe(200);
      const m = mutated.json().response;
      expect(m).toMatchObject({ uid: `worker-test:${fault}`, allowed: true });
      expect(m.patch).toBeUndefined();
      expect(m.warnings[0]).toMatch(
        /^graphdata: injection failed and was skipped \(.+\); the pod was admitted unchanged$/,
      );
      const validated = await post(server, '/validate', faulty(`worker-test:${fault}`));
      expect(validated.statusCode).toBe(200);
      expect(validated.json().response).toMatchObject({ allowed: false, status: { code: 500 } });
      expect(validated.json().response.status.message).toMatch(/^graphdata could not check this object/);
      const next = await post(server, '/mutate', review(podRequest(sparkExecutorPod())));
      expect(next.statusCode).toBe(200);
      expect(next.json().response.patch).toBeTruthy();
      const metrics = await counters(server);
      expect(metrics).toMatch(/graphdata_admission_requests_total\{webhook="mutate",outcome="error",dry_run="false"\}/);
    },
  );

  it('a worker lost before it read the uid: 400 with the reason, and the next review is answered', async () => {
    const lost = await post(server, '/mutate', faulty('worker-test:exit:parsed'));
    expect(lost.statusCode).toBe(400);
    expect(lost.json().reason).toMatch(/^the review could not be read: the admission worker exited/);
    const next = await post(server, '/mutate', review(podRequest(sparkExecutorPod())));
    expect(next.json().response.patch).toBeTruthy();
  });

  it('shutdown ends the worker and does not wait for a hung review', async () => {
    const own = buildServer({
      tls,
      policies: staticPolicyStore(policyWith({})),
      logger: false,
      largeBodies: { bytes: 1, deadlineMs: 60_000, testHooks: true },
    });
    await own.app.listen({ port: 0, host: '127.0.0.1' });
    await post(own, '/mutate', review(podRequest(sparkExecutorPod())));
    const hung = post(own, '/mutate', faulty('worker-test:hang'));
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await own.shutdown({ drainMs: 0, timeoutMs: 2_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    const answer = await hung;
    expect(answer.json().response).toMatchObject({ uid: 'worker-test:hang', allowed: true });
  });
});
