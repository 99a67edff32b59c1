// Hostile pods: 100k containers, 300 containers, 10k env entries. Each is answered with a
// valid AdmissionReview in time linear in its size (four times the size takes well under
// sixteen times as long), and /healthz, probed on its own connection all along, keeps
// answering within the kubelet's default probe timeout (1 s). The goal is 100 ms;
// a 100k-container body is one JSON.parse of tens of milliseconds on an idle machine and
// more on a busy one, so that goal is not asserted here (BENCHMARKS.md says where it stands).
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../policies/k8s.js';
import { BODY_LIMIT } from '../../webhook/server.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { admissionReview, decodePatch } from '../support/webhook-client.js';
import { FULL, scale, sleep, startSupplied, type Webhook } from './harness.js';

/** The kubelet's default timeoutSeconds for a probe: a slower /healthz gets the pod restarted. */
const PROBE_TIMEOUT_MS = 1_000;

let webhook: Webhook;
let client: Agent;
beforeAll(async () => {
  webhook = await startSupplied(['--drain', '0s']);
  client = new Agent({ connect: { ca: webhook.ca }, connections: 4 });
});
afterAll(async () => {
  await client?.close();
  expect(await webhook?.stop()).toBe(0);
});

/** The executor, plus `extra` containers (bare names: 100k of them must fit the 3 MiB limit). */
function manyContainers(extra: number, withImages = false): Pod {
  const pod = sparkExecutorPod();
  for (let i = 0; i < extra; i++) {
    const c: Container = { name: `c${i}` };
    if (withImages) c.image = `registry.example.com/team/sidecar-${i}:1.${i}`;
    pod.spec!.containers.push(c);
  }
  return pod;
}

function manyEnv(entries: number): Pod {
  const pod = sparkExecutorPod();
  const executor = pod.spec!.containers[0]!;
  executor.env = [
    ...(executor.env ?? []),
    ...Array.from({ length: entries }, (_, i) => ({ name: `E${i}`, value: 'v' })),
  ];
  return pod;
}

interface Answer {
  ms: number;
  ops: number;
  warnings: number;
}

interface Prepared {
  uid: string;
  body: string;
}

/** Built and serialised before the clock and the probes start: this process's own work is not timed. */
function prepare(pod: Pod): Prepared {
  const review = admissionReview(pod);
  const body = JSON.stringify(review);
  expect(Buffer.byteLength(body)).toBeLessThan(BODY_LIMIT);
  return { uid: review.request.uid, body };
}

async function mutate({ uid, body }: Prepared): Promise<Answer> {
  const started = performance.now();
  const res = await request(`${webhook.url}/mutate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    dispatcher: client,
  });
  const text = await res.body.text();
  const ms = performance.now() - started;
  expect(res.statusCode, text.slice(0, 200)).toBe(200);
  const { response } = JSON.parse(text) as {
    response: { uid: string; allowed: boolean; patch?: string; warnings?: string[] };
  };
  expect(response.uid).toBe(uid);
  expect(response.allowed).toBe(true);
  return { ms, ops: response.patch ? decodePatch(response.patch).length : 0, warnings: response.warnings?.length ?? 0 };
}

/** The fastest of `runs` answers: the one least disturbed by the rest of the machine. */
async function fastest(pod: Prepared, runs: number): Promise<Answer> {
  let best: Answer | undefined;
  for (let i = 0; i < runs; i++) {
    const answer = await mutate(pod);
    if (!best || answer.ms < best.ms) best = answer;
  }
  return best!;
}

/** Runs `work` while /healthz is probed every 20 ms on its own connection; returns the slowest probe. */
async function withHealthProbes<T>(work: () => Promise<T>): Promise<{ result: T; slowestMs: number; probes: number }> {
  const probeClient = new Agent({ connect: { ca: webhook.ca }, connections: 1 });
  const latencies: number[] = [];
  let probing = true;
  const probes = (async () => {
    const deadline = Date.now() + 300_000;
    while (probing && Date.now() < deadline) {
      const started = performance.now();
      const res = await request(`${webhook.url}/healthz`, { dispatcher: probeClient });
      await res.body.text();
      expect(res.statusCode).toBe(200);
      latencies.push(performance.now() - started);
      await sleep(20);
    }
  })();
  try {
    // The probe connection is open (its handshake is not what is timed) before the work starts.
    while (latencies.length < 3) await sleep(10);
    const result = await work();
    return { result, slowestMs: Math.max(...latencies), probes: latencies.length };
  } finally {
    probing = false;
    await probes;
    await probeClient.close();
  }
}

describe('hostile pods', () => {
  const containers = scale(20_000, 100_000);
  const env = scale(2_000, 10_000);

  it(`${containers} containers, 300 containers and ${env} env entries: answered, linear, /healthz within the probe timeout`, async () => {
    const runs = FULL ? 3 : 2;
    const bodies = {
      quarter: prepare(manyContainers(containers / 4)),
      full: prepare(manyContainers(containers)),
      wide: prepare(manyContainers(300, true)),
      envQuarter: prepare(manyEnv(env / 4)),
      envFull: prepare(manyEnv(env)),
    };
    const { result, slowestMs, probes } = await withHealthProbes(async () => {
      const quarter = await fastest(bodies.quarter, runs);
      const full = await fastest(bodies.full, runs);
      const wide = await fastest(bodies.wide, runs);
      const envQuarter = await fastest(bodies.envQuarter, runs);
      const envFull = await fastest(bodies.envFull, runs);
      return { quarter, full, wide, envQuarter, envFull };
    });
    const { quarter, full, wide, envQuarter, envFull } = result;
    const report = JSON.stringify(result);
    // Injected: the executor is the target whatever else the pod holds.
    for (const answer of [quarter, full, wide, envQuarter, envFull]) expect(answer.ops, report).toBeGreaterThan(0);
    // Warnings stay within what the apiserver keeps, however many containers have floating images.
    expect(wide.warnings, report).toBeLessThanOrEqual(15);
    // Linear: four times the input, about four times the time; quadratic would be sixteen. The
    // bound leaves room for garbage collection and a busy machine.
    expect(full.ms / quarter.ms, report).toBeLessThan(8);
    expect(envFull.ms / envQuarter.ms, report).toBeLessThan(8);
    expect(probes, report).toBeGreaterThan(5);
    expect(slowestMs, `slowest /healthz ${slowestMs.toFixed(1)} ms; ${report}`).toBeLessThan(PROBE_TIMEOUT_MS);
    console.log(`hostile pods: slowest /healthz ${slowestMs.toFixed(1)} ms over ${probes} probes; ${report}`);
  });
});
