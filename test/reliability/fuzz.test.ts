// Fuzz: generated malformed and adversarial AdmissionReviews against the running
// webhook. Never a crash or a 5xx; every answer a 400/413/415 with a reason, or a
// valid AdmissionReview with the request's uid; memory back down afterwards.
import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_LIMIT, memoryPlan } from '../../common/memory-budget.js';

import { POD_SHAPES } from '../fixtures/pods.js';
import { admissionReview } from '../support/webhook-client.js';
import { FULL, inParallel, pool, scale, seeded, sleep, startSupplied, type Webhook } from './harness.js';

/** The body limit the webhook runs with by default (the Deployment's memory limit). */
const BODY_LIMIT = memoryPlan(DEFAULT_MEMORY_LIMIT).maxBodyBytes;

interface Case {
  kind: string;
  body: Buffer;
  contentType?: string;
  chunked?: boolean;
}

const enc = (text: string) => Buffer.from(text, 'utf8');
const JUNK: unknown[] = [
  null,
  0,
  -1,
  1.5e308,
  '',
  'x',
  true,
  false,
  [],
  {},
  [1, 'a', null],
  { a: { b: [] } },
  '\u0000',
];

function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function setAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
  return root;
}

function randomJson(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth <= 0 || r < 0.3) return JUNK[Math.floor(rand() * JUNK.length)];
  if (r < 0.65) return Array.from({ length: Math.floor(rand() * 5) }, () => randomJson(rand, depth - 1));
  const keys = ['apiVersion', 'kind', 'request', 'uid', 'object', 'spec', 'containers', 'metadata', '__proto__'];
  return Object.fromEntries(
    Array.from({ length: Math.floor(rand() * 5) }, () => [
      keys[Math.floor(rand() * keys.length)]!,
      randomJson(rand, depth - 1),
    ]),
  );
}

/** Every generator gets the case number and a seeded random source; the mix favours cheap cases. */
function generators(rand: () => number) {
  const seedReview = () => admissionReview(POD_SHAPES[Math.floor(rand() * POD_SHAPES.length)]!.pod());
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const wrapObject = (objectJson: string) =>
    `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"deep","operation":"CREATE","kind":{"group":"","version":"v1","kind":"Pod"},"object":${objectJson}}}`;
  const cheap: [number, () => Case][] = [
    [20, () => ({ kind: 'random JSON', body: enc(JSON.stringify(randomJson(rand, 6))) })],
    [
      40,
      () => {
        const review = seedReview();
        const path = pick(paths(review));
        return { kind: `wrong type at ${path.join('.')}`, body: enc(JSON.stringify(setAt(review, path, pick(JUNK)))) };
      },
    ],
    [
      5,
      () => {
        const text = JSON.stringify(seedReview());
        const dup = pick([
          ['"uid":"', '"uid":"first","uid":"'],
          ['"request":{', '"request":{"uid":7},"request":{'],
          ['"kind":"AdmissionReview"', '"kind":"AdmissionReview","kind":"Pod"'],
          ['"containers":[', '"containers":"x","containers":['],
        ] as const);
        return { kind: 'duplicate keys', body: enc(text.replace(dup[0], dup[1])) };
      },
    ],
    [
      5,
      () => {
        const text = JSON.stringify(seedReview());
        const key = pick(['__proto__', 'constructor', 'prototype']);
        const at = pick(['{"apiVersion"', '"request":{', '"metadata":{', '"labels":{', '"spec":{']);
        const value = pick(['{"uid":"p","polluted":true}', '"x"', '[]', '{"kind":"AdmissionReview"}']);
        return {
          kind: `${key} key`,
          body: enc(text.replace(at, `${at.replace(/\{$/, '')}{"${key}":${value},`).replace('{{', '{')),
        };
      },
    ],
    [
      5,
      () => {
        const good = enc(JSON.stringify(seedReview()));
        const at = Math.floor(rand() * good.length);
        const bad = pick([
          [0xef, 0xbb, 0xbf], // BOM
          [0xff],
          [0xc0, 0xaf], // overlong
          [0xed, 0xa0, 0x80], // a surrogate half
          [0xe2, 0x82], // truncated sequence
        ]);
        const where = rand() < 0.3 ? 0 : at;
        return {
          kind: 'invalid UTF-8 or BOM',
          body: Buffer.concat([good.subarray(0, where), Buffer.from(bad), good.subarray(where)]),
        };
      },
    ],
    [
      5,
      () => ({
        kind: 'content type',
        body: enc(JSON.stringify(seedReview())),
        contentType: pick(['', 'text/plain', 'application/xml', 'application/json-patch+json', 'multipart/form-data']),
      }),
    ],
    [5, () => ({ kind: 'chunked', body: enc(JSON.stringify(seedReview())), chunked: true })],
    [
      2,
      () => {
        const levels = pick([999, 1_001, 10_000, 1_000_000]);
        const deep = '['.repeat(levels) + ']'.repeat(levels);
        return {
          kind: `nesting ${levels}`,
          body: enc(rand() < 0.5 ? deep : wrapObject(`{"spec":{"containers":${deep}}}`)),
        };
      },
    ],
  ];
  const heavy: [number, () => Case][] = [
    [
      1,
      () => {
        const review = seedReview();
        const path = pick(paths(review));
        return {
          kind: `huge string at ${path.join('.')}`,
          body: enc(JSON.stringify(setAt(review, path, 'x'.repeat(Math.floor(rand() * 2_900_000))))),
        };
      },
    ],
    [
      1,
      () => {
        const review = seedReview();
        const path = pick(paths(review).filter((p) => p.length > 2));
        const n = 1 + Math.floor(rand() * 150_000);
        return {
          kind: `huge array at ${path.join('.')}`,
          body: enc(JSON.stringify(setAt(review, path, new Array(n).fill(rand() < 0.5 ? 1 : 'x')))),
        };
      },
    ],
    [
      1,
      () => {
        const text = JSON.stringify(seedReview());
        const over = rand() < 0.5;
        // Pad with JSON whitespace to exactly the limit, or one byte over it.
        const body = enc(text + ' '.repeat(BODY_LIMIT - Buffer.byteLength(text) + (over ? 1 : 0)));
        return { kind: over ? 'body over the limit' : 'body at the limit', body, chunked: rand() < 0.3 };
      },
    ],
  ];
  const table = [...cheap.map(([w, g]) => [w * 10, g] as const), ...heavy];
  const total = table.reduce((sum, [w]) => sum + w, 0);
  return (): Case => {
    let r = rand() * total;
    for (const [w, g] of table) if ((r -= w) < 0) return g();
    return table[0]![1]();
  };
}

/** The uid the answer must echo: the one JSON.parse (last duplicate wins, as the server's parser) finds. */
function expectedUid(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))?.request?.uid;
  } catch {
    return undefined;
  }
}

let webhook: Webhook;
beforeAll(async () => {
  webhook = await startSupplied(['--drain', '0s']);
});
afterAll(async () => {
  expect(await webhook?.stop()).toBe(0);
});

describe('fuzzed AdmissionReviews', () => {
  const count = scale(1_000, 10_000);
  it(`${count} generated reviews: never a crash or a 5xx, a reason or the same uid`, async () => {
    const next = generators(seeded(20261130));
    const client = pool(webhook, 8);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    await inParallel(count, 8, async (i) => {
      const c = next();
      const family = c.kind.replace(/ at .*/, '');
      kinds.set(family, (kinds.get(family) ?? 0) + 1);
      const headers: Record<string, string> = {};
      if (c.contentType === undefined) headers['content-type'] = 'application/json';
      else if (c.contentType !== '') headers['content-type'] = c.contentType;
      // A stream has no length: undici sends it with Transfer-Encoding: chunked.
      const body = c.chunked
        ? Readable.from(
            (function* () {
              for (let at = 0; at < c.body.length; at += 64 * 1024) yield c.body.subarray(at, at + 64 * 1024);
            })(),
          )
        : c.body;
      let status: number;
      let text: string;
      try {
        const res = await client.request({ path: '/mutate', method: 'POST', headers, body });
        status = res.statusCode;
        text = await res.body.text();
      } catch (error) {
        failures.push(`#${i} ${c.kind}: transport error ${(error as Error).message}`);
        return;
      }
      const problem = judge(c, status, text);
      if (problem) failures.push(`#${i} ${c.kind}: ${problem}`);
    });
    await client.close();
    expect(failures.slice(0, 20)).toEqual([]);
    // The mix really covered each family.
    for (const family of [
      'random JSON',
      'wrong type',
      'duplicate keys',
      'invalid UTF-8 or BOM',
      'content type',
      'chunked',
    ])
      expect(kinds.get(family) ?? 0, family).toBeGreaterThan(0);
    expect((await fetchHealth(webhook)).status).toBe(200);

    // Memory comes back: give the collector a few seconds, then the bound.
    const deadline = Date.now() + 15_000;
    while (webhook.rssMiB() >= 200 && Date.now() < deadline) await sleep(250);
    expect(webhook.rssMiB()).toBeLessThan(200);
  });
});

function judge(c: Case, status: number, text: string): string | undefined {
  if (![200, 400, 413, 415].includes(status)) return `status ${status}: ${text.slice(0, 200)}`;
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    return `status ${status} with a body that is not JSON: ${text.slice(0, 100)}`;
  }
  if (status !== 200) {
    if (json.error !== STATUS_CODES[status] || typeof json.reason !== 'string' || json.reason === '')
      return `status ${status} without error and reason: ${text.slice(0, 200)}`;
    if (c.kind === 'content type' && status !== 415) return `wrong content type answered ${status}`;
    if (c.kind === 'body over the limit' && status !== 413) return `oversized body answered ${status}`;
    return undefined;
  }
  if (json.apiVersion !== 'admission.k8s.io/v1' || json.kind !== 'AdmissionReview') return 'not an AdmissionReview';
  const uid = expectedUid(c.body);
  if (typeof uid !== 'string' || json.response?.uid !== uid)
    return `uid ${JSON.stringify(json.response?.uid)}, sent ${JSON.stringify(uid)}`;
  if (json.response.allowed !== true) return 'a mutating webhook denied';
  if (json.response.patch !== undefined) {
    if (json.response.patchType !== 'JSONPatch') return 'patch without patchType JSONPatch';
    const ops = JSON.parse(Buffer.from(json.response.patch, 'base64').toString('utf8'));
    if (!Array.isArray(ops)) return 'patch is not a JSON array';
  }
  if (FULL && c.kind === 'body over the limit') return 'oversized body answered 200';
  return undefined;
}

async function fetchHealth(w: Webhook) {
  const client = pool(w, 1);
  const res = await client.request({ path: '/healthz', method: 'GET' });
  await res.body.text();
  await client.close();
  return { status: res.statusCode };
}
