// Shared by the reliability tests: one scale switch, the webhook as `npm start` runs it
// (a child process, supplied certificates), its memory, and an undici pool to load it.
// All traffic goes to 127.0.0.1; every loop is bounded by a count or a deadline.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import type { CertPair } from '../../certs/pki.js';
import { newCA, servingPair } from '../support/cert-dirs.js';
import { type RunningWebhook, WEBHOOK_MAIN, WEBHOOK_NODE_FLAGS } from '../support/spawn-webhook.js';
import { httpsCall } from '../support/webhook-client.js';

/** `npm run test:reliability` sets GRAPHDATA_RELIABILITY=full; `npm run test:slow` runs the bounded form. */
export const FULL = process.env.GRAPHDATA_RELIABILITY === 'full';
export const scale = (bounded: number, full: number): number => (FULL ? full : bounded);

export interface Webhook extends RunningWebhook {
  ca: string;
  authority: CertPair;
  certDir: string;
  port: number;
  rssMiB(): number;
}

/** The webhook with supplied certificates for 127.0.0.1 in a fresh folder (tls.crt, tls.key, ca.crt). */
export async function startSupplied(extraArgs: string[] = []): Promise<Webhook> {
  const authority = newCA('reliability-ca');
  const serving = servingPair(authority, ['127.0.0.1', 'localhost']);
  const certDir = join(mkdtempSync(join(tmpdir(), 'gd-reliability-')), 'tls');
  mkdirSync(certDir);
  writeFileSync(join(certDir, 'ca.crt'), authority.certPem);
  writeFileSync(join(certDir, 'tls.crt'), serving.certPem);
  writeFileSync(join(certDir, 'tls.key'), serving.keyPem, { mode: 0o600 });
  // Warnings only: one info line per admission, piped to this busy process, would fill
  // the pipe and block the server's synchronous logger, timing the pipe instead of the server.
  const port = await freePort();
  const webhook = await startQuiet(
    ['--port', String(port), '--cert-dir', certDir, '--log-level', 'warn', ...extraArgs],
    port,
    authority.certPem,
  );
  return Object.assign(webhook, {
    ca: authority.certPem,
    authority,
    certDir,
    port: Number(new URL(webhook.url).port),
    rssMiB: () => rssMiB(webhook.child.pid!),
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The webhook without its info log: ready once /readyz answers 200 (bounded by a deadline). */
async function startQuiet(args: string[], port: number, ca: string): Promise<RunningWebhook> {
  const child = spawn(process.execPath, [...WEBHOOK_NODE_FLAGS, WEBHOOK_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `https://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const status = await httpsCall(`${url}/readyz`, ca).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200)
      return {
        child,
        url,
        ca,
        logs: () => output,
        stop: async (signal = 'SIGTERM') => {
          if (child.exitCode === null) child.kill(signal);
          return exited;
        },
      };
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`webhook did not become ready:\n${output}`);
}

export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

export const pool = (webhook: { url: string; ca: string }, connections: number) =>
  new Pool(webhook.url, { connections, connect: { ca: webhook.ca }, pipelining: 1 });

/** Runs `count` tasks with at most `concurrency` at a time. */
export async function inParallel<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32): a failing case can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadResult {
  ok: number;
  failed: number;
  /** The first few failures, for the assertion message. */
  errors: string[];
}

/**
 * Keeps `workers` requests in flight on `client` until `stopAt()` says so, then waits
 * for the last ones. `check` judges a 200 body; anything else is a failure.
 */
export async function loadUntil(
  client: Pool,
  workers: number,
  stopAt: () => boolean,
  body: () => string,
  check: (text: string) => string | undefined = () => undefined,
  maxMs = 120_000,
): Promise<LoadResult> {
  const result: LoadResult = { ok: 0, failed: 0, errors: [] };
  const deadline = Date.now() + maxMs;
  const fail = (why: string) => {
    result.failed++;
    if (result.errors.length < 10) result.errors.push(why);
  };
  const worker = async () => {
    while (!stopAt() && Date.now() < deadline) {
      try {
        const res = await client.request({
          path: '/mutate',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(),
        });
        const text = await res.body.text();
        if (res.statusCode !== 200) fail(`status ${res.statusCode}: ${text.slice(0, 120)}`);
        else {
          const problem = check(text);
          if (problem) fail(problem);
          else result.ok++;
        }
      } catch (error) {
        fail(`${(error as Error).name}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return result;
}
