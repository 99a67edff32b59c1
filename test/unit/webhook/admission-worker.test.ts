// Large bodies are parsed and answered in the admission worker. Lowering the threshold to
// one byte sends every review there: each answer must be the event loop's, byte for byte,
// with the same status, metrics and log line; and a worker that fails in any way must not
// take the server down or answer 5xx.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { withBodies } from '../../../webhook/admission-worker.js';
import { createCA, issueCert } from '../../../certs/pki.js';
import { staticNamespaceIndex } from '../../support/namespace-index.js';
import { inject } from '../../../policies/engine.js';
import { runtimeLookupFrom } from '../../../policies/fluid-runtime.js';
import type { Pod } from '../../../policies/k8s.js';
import type { PolicyStore } from '../../../webhook/policy-store.js';
import { staticPolicyStore } from '../../support/policy-store.js';
import { AdmissionPool, type AdmissionPoolOptions, WORKER_NICE } from '../../../webhook/admission-pool.js';
import { recordMutation } from '../../../webhook/mutation.js';
import { LargeBody, PEEK_BYTES, peekHead } from '../../../webhook/large-body.js';
import { createMetrics } from '../../../webhook/metrics.js';
import { buildServer, type ServerOptions, type WebhookServer } from '../../../webhook/server.js';
import { recordValidation } from '../../../webhook/validation.js';
import { policyObjects, policySnapshot, REQUEST_NAMESPACE } from '../../bench/policy-scale.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { hookedWorker } from '../../support/worker-hooks.js';

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
  // Time enough for a worker starting at its lower priority on a busy machine: answers are compared here, not deadlines.
  const worker = recorded({ ...opts, largeBodies: { bytes: 1, deadlineMs: 60_000 } });
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
  const failing = (deadlineMs: number) =>
    buildServer({
      tls,
      policies: staticPolicyStore(policyWith({})),
      logger: false,
      largeBodies: {
        bytes: 1,
        deadlineMs,
        stuckAfterMs: 500,
        worker: hookedWorker(),
        heap: { maxOldSpaceMb: 48, maxSemiSpaceMb: 1 },
      },
    });
  const server = failing(1_500);
  // Running out of heap takes seconds of garbage collection on a busy machine: the
  // out-of-memory cases get the time to end that way, not by their deadline.
  const patient = failing(30_000);
  servers.push(server, patient);
  const faulty = (uid: string) => review(podRequest(sparkExecutorPod(), { uid }));
  /**
   * The worker is replaced after a fault; until the new one has started (a second or more on
   * a loaded machine, at its lower priority, beyond these servers' short deadline) reviews fail open.
   */
  const injectedAgain = async (on: WebhookServer) => {
    let patched = false;
    for (const giveUp = Date.now() + 30_000; !patched && Date.now() < giveUp; ) {
      const next = await post(on, '/mutate', review(podRequest(sparkExecutorPod())));
      expect(next.statusCode).toBe(200);
      patched = Boolean(next.json().response.patch);
      if (!patched) await new Promise((r) => setTimeout(r, 200));
    }
    expect(patched, 'a review after the fault was injected again within 30 s').toBe(true);
  };

  // `oom` fills the heap in small pieces, `oom-array` asks for one array beyond it: the second
  // aborts the whole process from inside a worker thread on every Node release (see admission-pool.ts).
  it.each(['throw', 'crash', 'exit', 'hang', 'oom', 'oom-array'])(
    '%s: /mutate admits unchanged with a warning, /validate denies, the next review is answered',
    async (fault) => {
      const on = fault.startsWith('oom') ? patient : server;
      const mutated = await post(on, '/mutate', faulty(`worker-test:${fault}`));
      expect(mutated.statusCode).toBe(200);
      const m = mutated.json().response;
      expect(m).toMatchObject({ uid: `worker-test:${fault}`, allowed: true });
      expect(m.patch).toBeUndefined();
      expect(m.warnings[0]).toMatch(
        /^graphdata: injection failed and was skipped \(.+\); the pod was admitted unchanged$/,
      );
      if (fault.startsWith('oom'))
        expect(m.warnings[0]).toContain('the admission worker ran out of memory (its heap is limited to 48 MB)');
      const validated = await post(on, '/validate', faulty(`worker-test:${fault}`));
      expect(validated.statusCode).toBe(200);
      expect(validated.json().response).toMatchObject({ allowed: false, status: { code: 500 } });
      expect(validated.json().response.status.message).toMatch(/^graphdata could not check this object/);
      await injectedAgain(on);
      const metrics = await counters(on);
      expect(metrics).toMatch(/graphdata_admission_requests_total\{webhook="mutate",outcome="error",dry_run="false"\}/);
    },
  );

  it('the production worker has no test faults: a worker-test uid is answered as any other', async () => {
    const plain = buildServer({
      tls,
      policies: staticPolicyStore(policyWith({})),
      logger: false,
      largeBodies: { bytes: 1, deadlineMs: 10_000 },
    });
    servers.push(plain);
    for (const fault of ['exit:parsed', 'exit', 'throw']) {
      const answer = (await post(plain, '/mutate', faulty(`worker-test:${fault}`))).json().response;
      expect(answer).toMatchObject({ uid: `worker-test:${fault}`, allowed: true });
      expect(answer.patch).toBeTruthy();
    }
  });

  it('a worker lost before it read the uid: answered from the uid in the first bytes; the next review is answered', async () => {
    const lost = await post(server, '/mutate', faulty('worker-test:exit:parsed'));
    expect(lost.statusCode).toBe(200);
    expect(lost.json().response).toMatchObject({ uid: 'worker-test:exit:parsed', allowed: true });
    expect(lost.json().response.warnings[0]).toMatch(/the admission worker exited/);
    await injectedAgain(server);
  });

  it('shutdown ends the worker and does not wait for a hung review', async () => {
    const own = buildServer({
      tls,
      policies: staticPolicyStore(policyWith({})),
      logger: false,
      largeBodies: { bytes: 1, deadlineMs: 60_000, worker: hookedWorker() },
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

describe('admission worker deadlines count from the request’s arrival', () => {
  const pools: AdmissionPool[] = [];
  const gates = mkdtempSync(join(tmpdir(), 'graphdata-gates-'));
  afterAll(async () => {
    for (const p of pools) await p.close();
    rmSync(gates, { recursive: true, force: true });
  });
  /** A pool answering every body in its worker; `wait` reviews block it until `open()`. */
  const pool = (opts: Partial<AdmissionPoolOptions> = {}) => {
    const testGate = join(gates, `gate-${pools.length}`);
    const p = new AdmissionPool(
      { policies: staticPolicyStore(policyWith({})) },
      { bytes: 1, worker: hookedWorker(testGate), ...opts },
    );
    pools.push(p);
    const open = () => writeFileSync(testGate, '');
    return { p, open };
  };
  const body = (uid: string) => new LargeBody(Buffer.from(review(podRequest(sparkExecutorPod(), { uid }))));
  const answer = (record: { reply: string }) => JSON.parse(record.reply).response;
  const failedOpen = /^graphdata: injection failed and was skipped \(the admission worker did not answer within/;

  it('a review queued behind a slow one is answered when its time is up, without waiting for the worker', async () => {
    const { p, open } = pool({ deadlineMs: 60_000 });
    let slowDone = false;
    const slow = p.mutate(body('worker-test:wait')).then((r) => {
      slowDone = true;
      return r;
    });
    // Arrived 59.9 s ago (the apiserver's clock is running): 100 ms left, all of it spent queued.
    const mutated = answer(await p.mutate(body('queued-m'), 59_900));
    const validated = answer(await p.validate(body('queued-v'), 59_900));
    expect(slowDone).toBe(false);
    expect(mutated).toMatchObject({ uid: 'queued-m', allowed: true });
    expect(mutated.patch).toBeUndefined();
    expect(mutated.warnings[0]).toMatch(failedOpen);
    expect(mutated.warnings[0]).toContain('still waiting for the worker');
    expect(validated).toMatchObject({ uid: 'queued-v', allowed: false, status: { code: 500 } });
    // The slow review itself is answered in full once the worker gets to it.
    open();
    expect(answer(await slow).patch).toBeTruthy();
    expect(answer(await p.mutate(body('after'))).patch).toBeTruthy();
    expect(p.started).toBe(1);
  });

  it('a body in many chunks is written to the worker in order and answered as the same body whole', async () => {
    const { p } = pool();
    const whole = Buffer.from(review(podRequest(sparkExecutorPod(), { uid: 'chunked' })));
    const pieces: Buffer[] = [];
    for (let at = 0; at < whole.length; at += 997) pieces.push(whole.subarray(at, at + 997));
    const chunked = new LargeBody(pieces);
    expect(chunked.byteLength).toBe(whole.length);
    expect(chunked.head(5_000)).toEqual(whole.subarray(0, 5_000));
    expect(chunked.head(Number.POSITIVE_INFINITY)).toEqual(whole);
    const fromPieces = answer(await p.mutate(chunked));
    const fromWhole = answer(await p.mutate(new LargeBody(whole)));
    expect(fromPieces.patch).toBeTruthy();
    expect(fromPieces).toEqual(fromWhole);
  });

  it('a pool asked for niceBelow runs its worker that far below this process; by default at its priority', async () => {
    // Our own children running the worker's entry (other tests' pools may still have theirs up).
    const workerPids = () =>
      readdirSync('/proc')
        .filter((entry) => /^\d+$/.test(entry))
        .filter((pid) => {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            return ppid === process.pid && cmdline.includes('admission-worker-hooks');
          } catch {
            return false; // ended meanwhile
          }
        });
    const startedBy = async (opts: Partial<AdmissionPoolOptions>): Promise<number> => {
      const before = new Set(workerPids());
      await pool(opts).p.mutate(body('warm'));
      const added = workerPids().filter((pid) => !before.has(pid));
      expect(added).toHaveLength(1);
      return getPriority(Number(added[0]));
    };
    expect(await startedBy({ niceBelow: WORKER_NICE })).toBe(Math.min(19, getPriority() + WORKER_NICE));
    expect(await startedBy({})).toBe(getPriority());
  });

  it('a review whose time is up when the worker frees is answered without being sent to it', async () => {
    let now = 0;
    const { p, open } = pool({ deadlineMs: 60_000, now: () => now });
    await p.mutate(body('warm')); // the worker is up: `slow` goes straight to it
    const slow = p.mutate(body('worker-test:wait'));
    const queued = p.mutate(body('late'));
    now = 10_000;
    const fresh = p.mutate(body('fresh'));
    now = 60_000; // `late` (and `slow`, already in the worker) arrived 60 s ago; `fresh` 50 s ago.
    open();
    const late = answer(await queued);
    expect(late).toMatchObject({ uid: 'late', allowed: true });
    expect(late.patch).toBeUndefined();
    expect(late.warnings[0]).toMatch(failedOpen);
    // The review in the worker is answered in full, the one queued after it in time too.
    expect(answer(await slow).patch).toBeTruthy();
    expect(answer(await fresh).patch).toBeTruthy();
    // Already out of time on arrival: answered at once, no worker started for it.
    const idle = pool({ now: () => 0 }).p;
    const gone = answer(await idle.mutate(body('gone'), 3_000));
    expect(gone).toMatchObject({ uid: 'gone', allowed: true });
    expect(gone.warnings[0]).toMatch(failedOpen);
    expect(idle.started).toBe(0);
  });

  it('a large review answered unread records its dryRun as unknown, in the metric and the log line', async () => {
    // The apiserver writes dryRun after the object: past the 64 KiB peekHead reads.
    const large = (uid: string) =>
      new LargeBody(Buffer.from(review(podRequest(manyContainers(2_000), { uid, dryRun: true }))));
    expect(large('x').head(Number.POSITIVE_INFINITY).indexOf('"dryRun"')).toBeGreaterThan(PEEK_BYTES);
    const idle = pool({ now: () => 0 }).p;
    const mutated = await idle.mutate(large('gone-m'), 3_000);
    const validated = await idle.validate(large('gone-v'), 3_000);
    expect(idle.started).toBe(0);
    expect(mutated).toMatchObject({ isDryRun: 'unknown', log: { uid: 'gone-m', dryRun: 'unknown' } });
    expect(validated).toMatchObject({ isDryRun: 'unknown', log: { uid: 'gone-v', dryRun: 'unknown' } });
    const metrics = createMetrics();
    const log = { info: () => {}, error: () => {} };
    recordMutation(metrics, log, mutated);
    recordValidation(metrics, log, validated);
    const text = await metrics.registry.metrics();
    for (const webhook of ['mutate', 'validate'])
      expect(text).toMatch(
        new RegExp(`graphdata_admission_requests_total\\{[^}]*webhook="${webhook}"[^}]*dry_run="unknown"[^}]*\\} 1`),
      );
    expect(text).not.toMatch(/dry_run="(true|false)"/);
  });

  it.each(['crash', 'exit', 'throw'])(
    'a review that makes the worker %s fails alone: the reviews queued behind it are answered',
    async (fault) => {
      const { p } = pool({ deadlineMs: 60_000 });
      const [bad, m, v] = await Promise.all([
        p.mutate(body(`worker-test:${fault}`)),
        p.mutate(body('next-m')),
        p.validate(body('next-v')),
      ]);
      expect(answer(bad)).toMatchObject({ uid: `worker-test:${fault}`, allowed: true });
      expect(answer(bad).warnings[0]).toMatch(/^graphdata: injection failed and was skipped/);
      expect(answer(m)).toMatchObject({ uid: 'next-m', allowed: true });
      expect(answer(m).patch).toBeTruthy();
      // Checked, not failed: the un-injected executor is denied for what it lacks (403, not 500).
      expect(answer(v)).toMatchObject({ uid: 'next-v', allowed: false, status: { code: 403 } });
      expect(answer(v).status.message).toMatch(/^error not-injected/);
      expect(p.started).toBe(fault === 'throw' ? 1 : 2);
    },
  );

  it('a review that hangs the worker: answered at its deadline, the worker replaced once stuck, the next one answered', async () => {
    let now = 0;
    const { p } = pool({ deadlineMs: 300, stuckAfterMs: 100, now: () => now });
    await p.mutate(body('warm')); // the worker is up: `hung` goes straight to it
    const hung = p.mutate(body('worker-test:hang'));
    now = 200;
    const next = p.mutate(body('next'));
    now = 300; // the hung review's time is up when its timer fires; `next` has 200 ms left on this clock
    expect(answer(await hung).warnings[0]).toMatch(failedOpen);
    expect(answer(await hung).warnings[0]).not.toContain('waiting');
    expect(p.started).toBe(1); // slow or stuck: not known yet
    now = 400; // stuck: replaced, and `next` (100 ms left) goes to the new worker
    expect(answer(await next).patch).toBeTruthy();
    expect(p.started).toBe(2);
  });

  it('a review that is slow, not stuck: answered at its deadline, and the worker kept for the next', async () => {
    // The next review has the same deadline from its arrival, and the worker finishes the slow
    // one first: 300 ms was missed in every full `npm test` on a two-core machine busy with the
    // e2e clusters.
    const { p, open } = pool({ deadlineMs: 2_000, stuckAfterMs: 60_000 });
    await p.mutate(body('warm'));
    const slow = answer(await p.mutate(body('worker-test:wait')));
    expect(slow).toMatchObject({ uid: 'worker-test:wait', allowed: true });
    expect(slow.warnings[0]).toMatch(failedOpen);
    open();
    expect(answer(await p.mutate(body('after'))).patch).toBeTruthy();
    expect(p.started).toBe(1);
  });
});

describe('the body pipe', () => {
  it('joins each job with its bytes, in order, however the pipe splits them and whichever comes first', async () => {
    const pipe = new PassThrough();
    const seen: string[] = [];
    const handle = withBodies(pipe, (message) =>
      seen.push(
        message.type === 'job' ? `job ${message.id}: ${Buffer.from(message.body).toString()}` : `context ${message.id}`,
      ),
    );
    const flush = () => new Promise((r) => setImmediate(r));
    // Bytes before the message, split across writes, two bodies in one chunk, an empty body.
    pipe.write('hel');
    await flush();
    handle({ type: 'job', id: 1, webhook: 'mutate', bytes: 5 });
    expect(seen).toEqual([]);
    pipe.write('lowor');
    await flush();
    handle({ type: 'context', id: 1, context: { policyId: 1, extraWarnings: [] } });
    handle({ type: 'job', id: 2, webhook: 'validate', bytes: 5 });
    handle({ type: 'job', id: 3, webhook: 'mutate', bytes: 0 });
    handle({ type: 'job', id: 4, webhook: 'mutate', bytes: 3 });
    pipe.write('ld!ab');
    await flush();
    expect(seen).toEqual(['job 1: hello', 'context 1', 'job 2: world', 'job 3: ', 'job 4: !ab']);
  });
});

describe('peekHead', () => {
  const big = { metadata: { uid: 'object-uid', name: 'inner' }, data: 'x'.repeat(300_000) };
  it('reads the request’s uid, names, operation and kind from the first bytes, as the apiserver writes them', () => {
    const text = JSON.stringify({
      kind: 'AdmissionReview',
      apiVersion: 'admission.k8s.io/v1',
      request: {
        uid: 'u-1',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        name: 'p',
        namespace: 'ns',
        operation: 'UPDATE',
        userInfo: { username: 'u', groups: ['a', 'b'], extra: { uid: ['not-this'] } },
        object: big,
        dryRun: true,
      },
    });
    expect(peekHead(Buffer.from(text))).toEqual({
      uid: 'u-1',
      kind: 'Pod',
      name: 'p',
      namespace: 'ns',
      operation: 'UPDATE',
      isDryRun: 'unknown',
      // Who asks, for the load guard's fair queue; not the object's uid nor an extra's.
      username: 'u',
    });
    const small = JSON.stringify({ request: { object: { metadata: { uid: 'o' } }, dryRun: true, uid: 'u-2' } });
    expect(peekHead(Buffer.from(small))).toMatchObject({ uid: 'u-2', isDryRun: true, kind: '' });
    // Not read past request.object once the uid and username are known, as the apiserver writes them.
    const after = { uid: 'u-4', userInfo: { username: 'u' }, object: {}, dryRun: true, name: 'late' };
    expect(peekHead(Buffer.from(JSON.stringify({ request: after })))).toEqual({
      uid: 'u-4',
      username: 'u',
      kind: '',
      isDryRun: 'unknown',
    });
    // A request read to its end without dryRun: false, as parseReview reads it.
    expect(peekHead(Buffer.from(JSON.stringify({ request: { uid: 'u-3' } })))).toMatchObject({ isDryRun: false });
  });

  it('finds nothing past its prefix, in nested objects or in a body that is not a review', () => {
    expect(peekHead(Buffer.from(JSON.stringify({ request: { object: big, uid: 'late' } })))).toBeUndefined();
    expect(peekHead(Buffer.from(JSON.stringify({ request: { object: { uid: 'nested' } } })))).toBeUndefined();
    expect(peekHead(Buffer.from(JSON.stringify([{ request: { uid: 'in-array' } }])))).toBeUndefined();
    expect(peekHead(Buffer.from('{"request": {"uid": '))).toBeUndefined();
  });
});

describe('what the webhook found about image volumes reaches the worker', () => {
  it('a cluster without them: the jar is copied, on the event loop and in the worker alike', async () => {
    const policy = policyWith({ alluxio: { clientJar: { delivery: 'imageVolume' } } });
    const patchOf = (body: string) => JSON.parse(Buffer.from(JSON.parse(body).response.patch, 'base64').toString());
    for (const supported of [false, true]) {
      const both = pair({ policies: staticPolicyStore(policy), imageVolumes: { supported, reason: 'test' } });
      const body = review(podRequest(sparkExecutorPod()));
      const answers = [await post(both.here.server, '/mutate', body), await post(both.worker.server, '/mutate', body)];
      for (const answer of answers) {
        const ops = patchOf(answer.body) as { path: string; value: unknown }[];
        const copies = ops.some((op) => op.path === '/spec/initContainers');
        expect(copies, `imageVolumes.supported=${supported}`).toBe(!supported);
      }
    }
  });
});
