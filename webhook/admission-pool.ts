// The main thread's side of the admission worker (admission-worker.ts; the messages are in
// worker-protocol.ts): large bodies go to one worker process as bytes, on a pipe of their
// own, and come back as a reply string plus what the metrics and the log line need, so the
// event loop never parses, checks or serialises them.
//
// A child process, not a worker thread: a thread's resourceLimits are not a boundary. Node
// enforces them from V8's near-heap-limit callback, which grants 16 MB more and asks the
// thread to stop at its next interrupt check; an allocation that needs more before then
// (one large array; on Node 24 the promotion of a young generation Node sizes at 3 x 64 MB
// when only the old one is limited) ends in V8's fatal out-of-memory handler, which aborts
// the whole process, server included (nodejs/node#47224; reproduced on 20, 22 and 24).
// A process that runs out of heap aborts alone; the pool sees it exit and replaces it.
//
// Protocol, per body: the worker parses it and asks for what the engine needs (`ask`: the
// request's own namespace, from request.namespace as on the event loop, and the datasets
// the pod names); this thread answers from its current policy snapshot and caches
// (`context`: that namespace's policy, labels and Fluid runtimes, nothing of any other
// namespace); the worker answers the review (`done`), or reports a malformed body (`bad`).
//
// A worker that throws, exits or runs out of memory is replaced, and the review gets the
// answer an internal error gets on the event loop: /mutate admits the pod unchanged with a
// warning, /validate denies. A review still in the worker at its deadline gets that answer
// too, but the worker is replaced only if it is still on it stuckAfterMs later: killing a
// merely slow worker (a loaded machine) made each next review wait for a new one to start,
// and under 32 large reviews in flight it was replaced 44 times in 20 s. Before the worker
// has read the request's uid, it is read from the body's first bytes (peekHead); a body
// without one there gets a 400. The reviews queued behind a replaced worker are answered by
// the new one.
//
// The deadline counts from the request's arrival, not from the job reaching the worker:
// the apiserver gives up after its timeout (5 s at most) and applies the failurePolicy
// itself, so a review still queued when its time is up is answered at once with the
// internal-error answer (its uid read from the body's first bytes, peekHead), never sent on.
import { podOptInScopeFor } from './cluster-context.js';
import { type ChildProcess, fork } from 'node:child_process';
import { getPriority, setPriority } from 'node:os';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../common/package-root.js';
import type { RuntimeInfo, RuntimeLookup } from '../policies/fluid-runtime.js';
import type { Policy } from '../policies/model.js';
import { type LargeBody, PEEK_BYTES, peekHead } from './large-body.js';
import { failedMutation, type MutationRecord, mutationRecord } from './mutation.js';
import type { NamespaceIndex } from './namespace-index.js';
import type { PolicyStore } from './policy-store.js';
import { MalformedReview } from './review.js';
import {
  failedValidation,
  judgingPolicy,
  policyObjectWarnings,
  type ValidationHead,
  type ValidationRecord,
  validationRecord,
} from './validation.js';
import {
  type AdmissionWebhook,
  BODY_FD,
  type FromWorker,
  type ToWorker,
  type WorkerAsk,
  type WorkerContext,
} from './worker-protocol.js';

export interface AdmissionPoolOptions {
  /** Bodies of this many bytes or more are answered in the worker. */
  bytes: number;
  /** From the request's arrival to its answer; the apiserver waits 5 s at most. */
  deadlineMs: number;
  /**
   * A worker still on a review this long after the review's deadline is stuck, and replaced.
   * Until then it is only slow (a loaded machine): the review is answered at its deadline
   * and the worker finishes it, rather than being killed and started again for the next.
   */
  stuckAfterMs: number;
  /** The worker process's V8 heap: a body the apiserver can send (3 MiB) needs well under this. */
  heap: WorkerHeap;
  /** An idle worker is ended after this long (its heap is not kept for the next large body). */
  idleMs: number;
  /**
   * How far below this process the worker runs (nice), so that a large body's parse takes
   * only the CPU the small reviews and /healthz leave. In a pod the kernel weighs it only
   * against the webhook's own process (the container's cgroup) and splits the CPU limit by
   * the same weights; outside one it yields to every process on the machine. The served
   * webhook asks for WORKER_NICE (main.ts); a server built in a test process, sharing a busy
   * machine, keeps 0 unless it asks.
   */
  niceBelow: number;
  /** The module the worker process runs, and its arguments; by default admission-worker-main.js (built). */
  worker?: WorkerEntry;
  /** Milliseconds on a monotonic clock: arrival and deadlines are counted on it (tests inject one). */
  now: () => number;
}

/** Passed to the worker process as --max-old-space-size and --max-semi-space-size. */
export interface WorkerHeap {
  maxOldSpaceMb: number;
  /** The young generation is about three semi-spaces: 4 MB keeps it near the webhook's own. */
  maxSemiSpaceMb: number;
}

export const DEFAULT_POOL_OPTIONS: Omit<AdmissionPoolOptions, 'bytes'> = {
  deadlineMs: 3_000,
  stuckAfterMs: 5_000,
  heap: { maxOldSpaceMb: 256, maxSemiSpaceMb: 4 },
  idleMs: 30_000,
  niceBelow: 0,
  now: () => performance.now(),
};

/** nice +10 below the event loop: about a tenth of a core's share when both want it. */
export const WORKER_NICE = 10;

/** A module for the worker process to run: it answers the protocol of worker-protocol.ts. */
export interface WorkerEntry {
  file: string;
  args?: string[];
}

/** What the context is read from: the same sources the event loop's path reads. */
export interface ContextSources {
  policies: PolicyStore;
  namespaces?: NamespaceIndex;
  runtimes?: RuntimeLookup;
  imageVolumes?: { supported: boolean };
}

interface Job {
  id: number;
  webhook: AdmissionWebhook;
  /** Came through the pod-level entry (/mutate/pod-opt-in, /validate/pod-opt-in). */
  podOptIn: boolean;
  body: LargeBody;
  ask?: WorkerAsk;
  /** On opts.now: when the request arrived, when its time is up, when it was sent to the worker. */
  arrived: number;
  expires: number;
  posted?: number;
  /** Answered at its deadline while the worker still had it. */
  answered?: boolean;
  timer?: NodeJS.Timeout;
  resolve(record: MutationRecord | ValidationRecord): void;
  reject(error: Error): void;
}

/** The worker entry beside this module; from source (tests), the built one in dist/. */
function defaultWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'admission-worker-main.js');
  return join(packageRoot(), 'dist', 'webhook', 'admission-worker-main.js');
}

const POLICY_CACHE = 32;

/** Why a worker process ended, for the review's warning and the log. */
function exitError(code: number | null, signal: NodeJS.Signals | null, stderr: string, heapMb: number): Error {
  // V8's own report, at the start of a line (what the worker printed before can be anything).
  if (/^FATAL ERROR: .*JavaScript heap out of memory$/m.test(stderr))
    return new Error(`the admission worker ran out of memory (its heap is limited to ${heapMb} MB)`);
  return new Error(
    signal ? `the admission worker was ended by ${signal}` : `the admission worker exited with code ${code}`,
  );
}

export class AdmissionPool {
  private readonly opts: AdmissionPoolOptions;
  private readonly queue: Job[] = [];
  private worker: ChildProcess | undefined;
  private ready = false;
  private current: Job | undefined;
  /** A worker's start is bounded too: one that hangs while starting is replaced. */
  private starting: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private nextId = 1;
  private closed = false;
  /** Policy objects by identity, and which of them the current worker holds. */
  private readonly policyIds = new WeakMap<Policy, number>();
  private nextPolicyId = 1;
  private sentPolicies = new Set<number>();
  /** Workers started, for tests and metrics of replacement. */
  started = 0;

  constructor(
    private readonly sources: ContextSources,
    opts: Partial<AdmissionPoolOptions> & { bytes: number },
  ) {
    this.opts = { ...DEFAULT_POOL_OPTIONS, ...opts };
  }

  /** `elapsedMs`: how long ago the request arrived (fastify's reply.elapsedTime); its deadline counts from then. */
  mutate(body: LargeBody, elapsedMs = 0, podOptIn = false): Promise<MutationRecord> {
    return this.run('mutate', body, elapsedMs, podOptIn) as Promise<MutationRecord>;
  }

  validate(body: LargeBody, elapsedMs = 0, podOptIn = false): Promise<ValidationRecord> {
    return this.run('validate', body, elapsedMs, podOptIn) as Promise<ValidationRecord>;
  }

  /** Ends the worker; reviews still queued get the internal-error answer. Never waits on the worker's work. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const worker = this.worker;
    this.fail(new Error('the webhook is shutting down'));
    for (const job of this.queue.splice(0)) this.settleFailed(job, new Error('the webhook is shutting down'));
    // Killed above; one that never started (no pid) has nothing to wait for.
    if (worker?.pid !== undefined && worker.exitCode === null && worker.signalCode === null)
      await new Promise((resolve) => worker.once('exit', resolve));
  }

  private run(
    webhook: AdmissionWebhook,
    body: LargeBody,
    elapsedMs: number,
    podOptIn: boolean,
  ): Promise<MutationRecord | ValidationRecord> {
    const arrived = this.opts.now() - Math.max(0, elapsedMs);
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the webhook is shutting down'));
      const job: Job = {
        id: this.nextId++,
        webhook,
        podOptIn,
        body,
        arrived,
        expires: arrived + this.opts.deadlineMs,
        resolve: (record) => {
          clearTimeout(job.timer);
          resolve(record);
        },
        reject: (error) => {
          clearTimeout(job.timer);
          reject(error);
        },
      };
      if (this.expired(job)) return;
      this.queue.push(job);
      this.arm(job);
      this.pump();
    });
  }

  private timeUp(job: Job): Error {
    const queued = job.posted === undefined ? ' (it was still waiting for the worker)' : '';
    return new Error(`the admission worker did not answer within ${this.opts.deadlineMs} ms${queued}`);
  }

  /** A job whose time is up and that is not in the worker is answered now; true if it was. */
  private expired(job: Job): boolean {
    if (this.opts.now() < job.expires) return false;
    this.settleFailed(job, this.timeUp(job));
    return true;
  }

  /**
   * Fires when the job's time is up: dropped from the queue and answered, or, in the worker,
   * answered, and the worker replaced only if it is still on it stuckAfterMs later.
   */
  private arm(job: Job, due = job.expires): void {
    job.timer = setTimeout(
      () => {
        if (this.opts.now() < due) return this.arm(job, due);
        if (job === this.current) {
          if (job.answered) return this.fail(new Error('the admission worker was stuck on one review'));
          this.settleFailed(job, this.timeUp(job));
          job.answered = true;
          return this.arm(job, job.expires + this.opts.stuckAfterMs);
        }
        const at = this.queue.indexOf(job);
        if (at < 0) return;
        this.queue.splice(at, 1);
        this.settleFailed(job, this.timeUp(job));
      },
      Math.max(0, due - this.opts.now()),
    );
  }

  private pump(): void {
    if (this.current || this.closed) return;
    // Reviews whose time ran out in the queue are answered without the worker.
    while (this.queue.length > 0 && this.expired(this.queue[0]!)) this.queue.shift();
    if (this.queue.length === 0) return;
    clearTimeout(this.idle);
    if (!this.worker) {
      this.start();
      return;
    }
    if (!this.ready) return;
    const job = this.queue.shift()!;
    this.current = job;
    job.posted = this.opts.now();
    const message: ToWorker = { type: 'job', id: job.id, webhook: job.webhook, bytes: job.body.byteLength };
    this.post(this.worker, message);
    // Written from the chunks the request was read in; a worker gone meanwhile is noticed by its exit.
    const pipe = this.worker.stdio[BODY_FD] as Writable;
    pipe.cork();
    for (const chunk of job.body.chunks) pipe.write(chunk);
    pipe.uncork();
  }

  /** A worker that died since its last message is noticed here or by its exit, whichever comes first. */
  private post(worker: ChildProcess, message: ToWorker): void {
    worker.send(message, (error) => {
      if (error) this.onExit(worker, new Error(`the admission worker could not be reached: ${error.message}`));
    });
  }

  private start(): void {
    this.started++;
    this.sentPolicies = new Set();
    const { maxOldSpaceMb, maxSemiSpaceMb } = this.opts.heap;
    const entry = this.opts.worker ?? { file: defaultWorkerFile() };
    const worker = fork(entry.file, entry.args ?? [], {
      // Its own flags only, not this process's: the heap limits are what bound it.
      execArgv: [`--max-old-space-size=${maxOldSpaceMb}`, `--max-semi-space-size=${maxSemiSpaceMb}`],
      // Structured clone over the channel: bodies as bytes, errors as errors.
      serialization: 'advanced',
      // The body pipe last: its fd in the worker is BODY_FD.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'],
    });
    this.worker = worker;
    this.ready = false;
    if (this.opts.niceBelow > 0) lowerPriority(worker, this.opts.niceBelow);

    // What it printed last says why it died (V8 prints its out-of-memory report there).
    let stderr = '';
    worker.stderr?.setEncoding('utf8');
    worker.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_096);
    });
    // It never keeps this process alive: a review waiting on it holds its socket open instead.
    worker.unref();
    worker.channel?.unref();
    (worker.stderr as { unref?: () => void } | null)?.unref?.();
    const bodies = worker.stdio[BODY_FD] as (Writable & { unref?: () => void }) | null;
    bodies?.unref?.();
    // EPIPE once the worker is gone: its exit answers the review.
    bodies?.on('error', () => {});
    // A worker that hangs while starting is replaced (the reviews waiting for it are bounded
    // by their own deadlines); one that exits while starting fails the first review waiting.
    // Starting takes a few hundred ms of CPU, at a lower priority if niceBelow: on a busy
    // machine with no cgroup of its own three short deadlines (0.9 s) were not enough, and one
    // worker after another was replaced while it started (13 in one test).
    this.starting = setTimeout(() => this.replace(worker), Math.max(this.opts.deadlineMs * 3, MIN_START_MS));
    worker.on('message', (message) => this.onMessage(worker, message as FromWorker));
    worker.on('error', (error) => this.onExit(worker, error));
    // 'close', not 'exit': by then all it wrote to stderr has been read.
    worker.on('close', (code, signal) => this.onExit(worker, exitError(code, signal, stderr, maxOldSpaceMb)));
  }

  private onMessage(worker: ChildProcess, message: FromWorker): void {
    if (worker !== this.worker) return;
    if (message.type === 'ready') {
      clearTimeout(this.starting);
      this.ready = true;
      this.pump();
      return;
    }
    const job = this.current;
    if (!job || job.id !== message.id) return;
    if (message.type === 'ask') {
      job.ask = message.ask;
      let context: WorkerContext;
      try {
        context = this.context(message.ask, job.podOptIn);
      } catch (error) {
        this.finish(() => this.settleFailed(job, error as Error));
        return;
      }
      this.post(worker, { type: 'context', id: job.id, context });
      return;
    }
    this.finish(() => {
      if (message.type === 'done') job.resolve(message.record);
      else if (message.type === 'bad') job.reject(new MalformedReview(message.reason));
      else this.settleFailed(job, message.error);
    });
  }

  /** The current job is settled; the worker takes the next one, or is ended after a while idle. */
  private finish(settle: () => void): void {
    this.current = undefined;
    settle();
    this.pump();
    if (!this.current && this.worker && !this.closed) {
      const worker = this.worker;
      this.idle = setTimeout(() => this.replace(worker), this.opts.idleMs);
      this.idle.unref();
    }
  }

  private onExit(worker: ChildProcess, error: Error): void {
    if (worker !== this.worker) return;
    if (this.current) this.fail(error);
    else if (!this.ready) {
      // Died while starting (its module missing?): the first review waiting for it gets the
      // failure answer, so a worker that can never start does not keep the queue waiting.
      const job = this.queue.shift();
      if (job) this.settleFailed(job, error);
      this.replace(worker);
      this.pump();
    } else this.replace(worker);
  }

  /** The current job failed in a way that leaves the worker unusable: answer it, replace the worker. */
  private fail(error: Error): void {
    const job = this.current;
    const worker = this.worker;
    if (worker) this.replace(worker);
    if (job) this.finish(() => this.settleFailed(job, error));
  }

  private replace(worker: ChildProcess): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.ready = false;
    clearTimeout(this.starting);
    clearTimeout(this.idle);
    // SIGKILL: a worker stuck in a loop never reads a request to stop.
    worker.kill('SIGKILL');
    this.pump();
  }

  /**
   * The internal-error answer, as the event loop's path gives it. The uid is the worker's, or
   * for a review it had not read yet (never sent to it, or lost while parsing it: a slow parse
   * under load is no bad request), read from the body's first bytes; without one, a 400.
   */
  private settleFailed(job: Job, error: Error): void {
    const head = job.ask?.head ?? peekHead(job.body.head(PEEK_BYTES));
    if (!head) {
      job.reject(new MalformedReview(`the review could not be read: ${error.message}`));
      return;
    }
    const seconds = (this.opts.now() - (job.posted ?? job.arrived)) / 1000;
    job.resolve(
      job.webhook === 'mutate'
        ? mutationRecord(head, failedMutation(head.uid, error), seconds)
        : validationRecord(head as ValidationHead, failedValidation(head.uid, error), seconds),
    );
  }

  /** What the worker needs about the request's namespace: read now, from the current snapshot. */
  private context(ask: WorkerAsk, podOptIn: boolean): WorkerContext {
    const { policies, namespaces, runtimes } = this.sources;
    const namespace = ask.head.namespace;
    const snapshot = policies.snapshot();
    const policy = judgingPolicy(snapshot, (ask.head as Partial<ValidationHead>).kind, namespace, ask.policyObject);
    let policyId = this.policyIds.get(policy);
    if (policyId === undefined) this.policyIds.set(policy, (policyId = this.nextPolicyId++));
    const context: WorkerContext = {
      policyId,
      extraWarnings: ask.policyObject ? policyObjectWarnings(ask.head as ValidationHead, ask.next, snapshot) : [],
    };
    if (!this.sentPolicies.has(policyId)) {
      if (this.sentPolicies.size >= POLICY_CACHE) {
        this.sentPolicies.clear();
        context.forgetPolicies = true;
      }
      this.sentPolicies.add(policyId);
      context.policy = policy;
    }
    if (this.sources.imageVolumes) context.imageVolumes = this.sources.imageVolumes.supported;
    if (namespaces) {
      const labels = namespace ? namespaces.labels(namespace) : undefined;
      context.namespaceLabels = labels ? { labels } : {};
    }
    if (podOptIn) context.podOptIn = podOptInScopeFor(snapshot.cluster, namespace, namespaces);
    if (runtimes && namespace) {
      const found: [string, RuntimeInfo][] = [];
      for (const name of new Set(ask.datasets)) {
        const info = runtimes(namespace, name);
        if (info) found.push([name, info]);
      }
      context.runtimes = found;
    }
    return context;
  }
}

/** Sets the worker `by` below this process's priority; raising one's own child's nice value needs no privilege. */
function lowerPriority(worker: ChildProcess, by: number): void {
  if (worker.pid === undefined) return;
  try {
    setPriority(worker.pid, Math.min(19, getPriority() + by));
  } catch {
    // Gone already, or a platform without nice values: it runs at ours.
  }
}

/** The least time a worker is given to start before it is taken for hung. */
const MIN_START_MS = 10_000;
