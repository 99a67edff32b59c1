// The server under abuse: TLS suites, timeouts for slow clients, the connection cap,
// content types, and the drain window on shutdown.
import { getCiphers, connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CertPair, createCA, issueCert } from '../../../certs/pki.js';
import { staticPolicyStore } from '../../support/policy-store.js';
import { buildServer, type WebhookServer } from '../../../webhook/server.js';
import type { ServerLimits } from '../../../webhook/server-limits.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { admissionReview, httpsCall } from '../../support/webhook-client.js';

let ca: CertPair;
let serving: CertPair;

beforeAll(() => {
  ca = createCA({ commonName: 'limits-ca' });
  serving = issueCert({ ca, commonName: 'limits', ipAddresses: ['127.0.0.1'], usage: 'server' });
});

async function start(
  limits: Partial<ServerLimits> = {},
): Promise<{ server: WebhookServer; url: string; port: number }> {
  const server = buildServer({
    tls: { cert: serving.certPem, key: serving.keyPem },
    policies: staticPolicyStore(defaultPolicy()),
    limits,
    logger: false,
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.app.server.address() as { port: number }).port;
  return { server, url: `https://127.0.0.1:${port}`, port };
}

/** A TLS connection that is open (handshake done) and resolves `closed` with the ms until the server hung up. */
function openTls(port: number): Promise<{ socket: TLSSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    const socket = connect({ host: '127.0.0.1', port, ca: ca.certPem }, () => {
      const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - opened)));
      resolve({ socket, closed });
    });
    socket.resume(); // read and drop responses, or a paused socket never reports its close
    socket.on('error', () => {}); // a reset is one way of being closed
    socket.once('close', () => reject(new Error('closed before the handshake finished')));
  });
}

const body = JSON.stringify(admissionReview(sparkExecutorPod()));

describe('TLS', () => {
  let env: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    env = await start();
  });
  afterAll(() => env.server.shutdown());

  const handshake = (options: { ciphers?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3'; minVersion?: 'TLSv1.3' }) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: env.port, ca: ca.certPem, ...options }, () => {
        const name = socket.getCipher().standardName;
        socket.end();
        resolve(name);
      });
      socket.on('error', reject);
    });

  it('TLS 1.2 offers ECDHE with AES-GCM or ChaCha20-Poly1305 only', async () => {
    const accepted: string[] = [];
    for (const cipher of getCiphers().filter((c) => !c.startsWith('tls_'))) {
      const name = await handshake({ ciphers: cipher.toUpperCase(), maxVersion: 'TLSv1.2' }).catch(() => undefined);
      if (name) accepted.push(name);
    }
    // An RSA certificate: the ECDSA variants of the same suites need an EC key.
    expect(accepted.sort()).toEqual([
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256',
    ]);
  });

  it('TLS 1.3 keeps its suites, also after a certificate reload', async () => {
    expect(await handshake({ minVersion: 'TLSv1.3' })).toMatch(/^TLS_AES_|^TLS_CHACHA20/);
    env.server.reloadCertificate({ cert: serving.certPem, key: serving.keyPem });
    expect(await handshake({ ciphers: 'AES128-SHA', maxVersion: 'TLSv1.2' }).catch(() => 'refused')).toBe('refused');
    expect(await handshake({ ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', maxVersion: 'TLSv1.2' })).toBe(
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    );
  });
});

describe('slow clients', { timeout: 60_000 }, () => {
  it('slow-header and slow-body connections are closed by the timeouts while /healthz answers', async () => {
    const env = await start(); // the default limits
    try {
      const slow = await Promise.all(Array.from({ length: 40 }, () => openTls(env.port)));
      const timers = slow.map(({ socket }, i) => {
        if (i % 2 === 0) socket.write('POST /mutate HTTP/1.1\r\nHost: x\r\n');
        else
          socket.write(
            `POST /mutate HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
          );
        let sent = 0;
        // A byte a second: never idle long enough for an inactivity timeout.
        return setInterval(() => {
          if (!socket.destroyed) socket.write(i % 2 === 0 ? 'x' : body[sent++]!);
        }, 1_000);
      });
      const health = await httpsCall(`${env.url}/healthz`, ca.certPem);
      expect(health.status).toBe(200);
      const closedAfter = await Promise.all(slow.map((s) => s.closed));
      for (const t of timers) clearInterval(t);
      // 5 s for headers or the whole request, checked every second, plus slack for a loaded machine.
      expect(Math.max(...closedAfter)).toBeLessThan(12_000);
      expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(4_000);
      expect((await httpsCall(`${env.url}/healthz`, ca.certPem)).status).toBe(200);
    } finally {
      await env.server.shutdown({ timeoutMs: 1_000 });
    }
  });

  it('a client that never starts the TLS handshake is dropped too', async () => {
    const env = await start({ handshakeTimeoutMs: 1_000 });
    try {
      const { connect: tcp } = await import('node:net');
      const opened = Date.now();
      const socket = tcp(env.port, '127.0.0.1');
      socket.on('error', () => {});
      await new Promise((r) => socket.once('close', r));
      expect(Date.now() - opened).toBeLessThan(6_000);
    } finally {
      await env.server.shutdown({ timeoutMs: 1_000 });
    }
  });

  it('over the cap, the oldest connection that has not begun a request is closed to make room', async () => {
    const env = await start({ maxConnections: 5 });
    try {
      const held = await Promise.all(Array.from({ length: 5 }, () => openTls(env.port)));
      // The sixth gets in; the oldest silent one goes.
      const sixth = await openTls(env.port);
      await held[0]!.closed;
      expect(held.slice(1).every(({ socket }) => !socket.destroyed)).toBe(true);
      for (const { socket } of [...held, sixth]) socket.destroy();
      await Promise.all([...held, sixth].map((h) => h.closed));
      expect((await httpsCall(`${env.url}/healthz`, ca.certPem)).status).toBe(200);
    } finally {
      await env.server.shutdown({ timeoutMs: 1_000 });
    }
  });

  it('a keep-alive connection that has served a request is never evicted by silent ones', async () => {
    const env = await start({ maxConnections: 3 });
    try {
      const served = await openTls(env.port);
      let answers = '';
      served.socket.on('data', (chunk: Buffer) => (answers += chunk.toString()));
      const ask = async (n: number) => {
        served.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        for (let i = 0; i < 100 && (answers.match(/HTTP\/1.1 200/g) ?? []).length < n; i++)
          await new Promise((r) => setTimeout(r, 20));
        expect((answers.match(/HTTP\/1.1 200/g) ?? []).length).toBe(n);
      };
      await ask(1);
      // Ten silent connections against a cap of three: each evicts an older silent one.
      const silent: Awaited<ReturnType<typeof openTls>>[] = [];
      for (let i = 0; i < 10; i++) silent.push(await openTls(env.port));
      expect(served.socket.destroyed).toBe(false);
      await ask(2);
      expect(silent.filter(({ socket }) => !socket.destroyed).length).toBeLessThanOrEqual(2);
      for (const { socket } of [served, ...silent]) socket.destroy();
    } finally {
      await env.server.shutdown({ timeoutMs: 1_000 });
    }
  });
});

describe('content types and metrics', () => {
  let env: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    env = await start();
  });
  afterAll(() => env.server.shutdown());

  it.each([
    ['text/plain', /got "text\/plain"/],
    ['application/x-www-form-urlencoded', /got "application\/x-www-form-urlencoded"/],
    [undefined, /got none/],
  ])('content-type %s → 415 Unsupported Media Type with a reason', async (type, reason) => {
    const reply = await httpsCall(`${env.url}/mutate`, ca.certPem, {
      method: 'POST',
      body,
      headers: type ? { 'content-type': type } : {},
    });
    expect(reply.status).toBe(415);
    // Also a Kubernetes Status, so the apiserver shows the reason instead of the bare code.
    expect(reply.json()).toEqual({
      error: 'Unsupported Media Type',
      reason: expect.stringMatching(/^content-type must be application\/json, /),
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: expect.stringMatching(/^graphdata: content-type must be application\/json, /),
      code: 415,
    });
    expect(reply.json().reason).toMatch(reason);
  });

  it('application/json with a charset is accepted', async () => {
    const reply = await httpsCall(`${env.url}/mutate`, ca.certPem, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(reply.status).toBe(200);
  });

  it('a body nesting a million levels is refused before parsing, without stalling the server', async () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const object = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","object":${deep}}}`;
    // Bodies this size are checked in the admission worker: start it first, untimed, so the
    // bound below times the check and not a start at the worker's lower priority on a busy machine.
    const warm = { method: 'POST' as const, url: '/mutate', headers: { 'content-type': 'application/json' } };
    expect((await env.server.app.inject({ ...warm, payload: deep })).statusCode).toBe(400);
    for (const payload of [deep, object]) {
      const started = Date.now();
      const reply = await env.server.app.inject({
        method: 'POST',
        url: '/mutate',
        payload,
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.statusCode).toBe(400);
      expect(reply.json().reason).toMatch(/^body nests deeper than 1000 levels/);
      expect(Date.now() - started).toBeLessThan(2_000); // JSON.parse alone took 6 s
    }
    // Strings may hold any brackets: they are not nesting.
    const inString = JSON.stringify({ ...admissionReview(sparkExecutorPod()), note: '['.repeat(5_000) });
    const reply = await env.server.app.inject({
      method: 'POST',
      url: '/mutate',
      payload: inString,
      headers: { 'content-type': 'application/json' },
    });
    expect(reply.statusCode).toBe(200);
  });

  it('answers with at most 15 warnings (what the apiserver keeps), the rest counted in the last', async () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers = Array.from({ length: 40 }, (_, i) => ({ name: `side-${i}`, image: 'floating' }));
    pod.spec!.containers.push({ name: 'executor', image: 'floating' });
    const reply = await env.server.app.inject({
      method: 'POST',
      url: '/mutate',
      payload: JSON.stringify(admissionReview(pod)),
      headers: { 'content-type': 'application/json' },
    });
    const warnings = reply.json().response.warnings as string[];
    expect(warnings).toHaveLength(15);
    expect(warnings.at(-1)).toMatch(/^graphdata: \d+ more warnings not shown; kubectl graphdata explain/);
    expect(warnings.join('').length).toBeLessThanOrEqual(4_096);
  });

  it('bad requests to /mutate?x=1 are counted like those to /mutate', async () => {
    const count = async () =>
      (await env.server.metrics.requests.get()).values.find((v) => v.labels.outcome === 'bad_request')?.value ?? 0;
    const before = await count();
    for (const url of ['/mutate', '/mutate?x=1']) {
      const reply = await httpsCall(`${env.url}${url}`, ca.certPem, {
        method: 'POST',
        body: 'garbage',
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(400);
    }
    expect((await count()) - before).toBe(2);
  });
});

describe('shutdown with a drain window', { timeout: 60_000 }, () => {
  it('is not ready at once, serves new connections while draining, then stops accepting', async () => {
    const env = await start();
    const started = Date.now();
    const stopped = env.server.shutdown({ drainMs: 1_500, timeoutMs: 10_000 });
    expect((await httpsCall(`${env.url}/readyz`, ca.certPem)).status).toBe(503);
    const during = await httpsCall(`${env.url}/mutate`, ca.certPem, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(during.status).toBe(200); // a new connection inside the drain window
    expect(Date.now() - started).toBeLessThan(1_500);
    await stopped;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
    await expect(httpsCall(`${env.url}/healthz`, ca.certPem)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('closes idle keep-alive connections after the drain and ends within the bound when clients hang', async () => {
    const env = await start({ requestTimeoutMs: 60_000, headersTimeoutMs: 60_000, idleTimeoutMs: 60_000 });
    const idle = await openTls(env.port);
    idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'); // answered, then idle on keep-alive
    const hanging = await openTls(env.port);
    hanging.socket.write(
      'POST /mutate HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{',
    );
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const { forced } = await env.server.shutdown({ drainMs: 500, timeoutMs: 2_000 });
    const took = Date.now() - started;
    expect(await idle.closed).toBeLessThan(took + 1_000);
    expect(took).toBeGreaterThanOrEqual(1_900);
    expect(took).toBeLessThan(3_500);
    expect(forced).toBe(1); // the hanging request; the idle one was closed, not forced
  });
});
