// The main thread's side of the admission worker (admission-worker.ts): large bodies go
// to one worker thread as bytes and come back as a reply string plus what the metrics and
// the log line need, so the event loop never parses, checks or serialises them.
//
// Protocol, per body: the worker parses it and asks for what the engine needs (`ask`: the
// request's own namespace, from request.namespace as on the event loop, and the datasets
// the pod names); this thread answers from its current policy snapshot and caches
// (`context`: that namespace's policy, labels and Fluid runtimes, nothing of any other
// namespace); the worker answers the review (`done`), or reports a malformed body (`bad`).
//
// A worker that throws, exits, runs out of memory or passes the deadline is replaced, and
// the review gets the answer an internal error gets on the event loop: /mutate admits the
// pod unchanged with a warning, /validate denies. Before the worker has read the request's
// uid there is no review to answer: that body gets a 400.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { NamespaceIndex } from '../common/namespace-index.js';
import { packageRoot } from '../common/package-root.js';
import type { RuntimeInfo, RuntimeLookup } from '../policies/fluid-runtime.js';
import type { Policy } from '../policies/model.js';
import {
  type AdmissionHead,
  failedMutation,
  MalformedReview,
  type MutationRecord,
  mutationRecord,
} from './admission.js';
import type { LargeBody } from './large-body.js';
import type { PolicyStore } from './policy-store.js';
import {
  failedValidation,
  policyObjectWarnings,
  type ValidationHead,
  type ValidationRecord,
  validationRecord,
} from './validation.js';

export type AdmissionWebhook = 'mutate' | 'validate';

/** What the worker needs to know from this thread, once it has read the request. */
export interface WorkerAsk {
  head: AdmissionHead | ValidationHead;
  /** /validate of a GraphDataPolicy or ClusterGraphDataPolicy: checked against the cluster policy. */
  policyObject: boolean;
  /** For a ClusterGraphDataPolicy: the policy it would put in effect. */
  next?: Policy;
  /** The Fluid datasets the object names (graphdata.io/dataset), looked up in head.namespace only. */
  datasets: string[];
}

/** This thread's answer: plain data about the request's namespace and nothing else. */
export interface WorkerContext {
  /** The policy in effect; sent once per worker and policy object, then referred to by id. */
  policyId: number;
  policy?: Policy;
  /** The worker forgets the policies it holds before storing this one. */
  forgetPolicies?: true;
  /** Present when this thread has a namespace index; the labels of head.namespace, if known. */
  namespaceLabels?: { labels?: Readonly<Record<string, string>> };
  /** Present in Fluid mode (this thread has a runtime lookup): the datasets asked about that exist. */
  runtimes?: [string, RuntimeInfo][];
  /** Policy-object notices, added to the answer when the object is admitted. */
  extraWarnings: string[];
}

export type ToWorker =
  | { type: 'job'; id: number; webhook: AdmissionWebhook; body: Uint8Array }
  | { type: 'context'; id: number; context: WorkerContext };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'ask'; id: number; ask: WorkerAsk }
  | { type: 'done'; id: number; record: MutationRecord | ValidationRecord }
  | { type: 'bad'; id: number; reason: string }
  | { type: 'failed'; id: number; error: Error };

export interface AdmissionPoolOptions {
  /** Bodies of this many bytes or more are answered in the worker. */
  bytes: number;
  /** From the job reaching the worker to its answer. */
  deadlineMs: number;
  /** The worker's heap: a body the apiserver can send (3 MiB) needs well under this. */
  resourceLimits: ResourceLimits;
  /** An idle worker is ended after this long (its heap is not kept for the next large body). */
  idleMs: number;
  /** Tests only: requests with a uid `worker-test:<fault>` make the worker fail that way. */
  testHooks: boolean;
}

export const DEFAULT_POOL_OPTIONS: Omit<AdmissionPoolOptions, 'bytes'> = {
  deadlineMs: 3_000,
  resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
  idleMs: 30_000,
  testHooks: false,
};

/** What the context is read from: the same sources the event loop's path reads. */
export interface ContextSources {
  policies: PolicyStore;
  namespaces?: NamespaceIndex;
  runtimes?: RuntimeLookup;
}

interface Job {
  id: number;
  webhook: AdmissionWebhook;
  body: Uint8Array;
  ask?: WorkerAsk;
  posted?: bigint;
  resolve(record: MutationRecord | ValidationRecord): void;
  reject(error: Error): void;
}

/** The worker module beside this one; from source (tests), the built one in dist/. */
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(here, '..', 'admission-worker.js');
  return join(packageRoot(), 'dist', 'webhook', 'admission-worker.js');
}

const POLICY_CACHE = 32;

export class AdmissionPool {
  private readonly opts: AdmissionPoolOptions;
  private readonly queue: Job[] = [];
  private worker: Worker | undefined;
  private ready = false;
  private current: Job | undefined;
  private deadline: NodeJS.Timeout | undefined;
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

  mutate(body: LargeBody): Promise<MutationRecord> {
    return this.run('mutate', body) as Promise<MutationRecord>;
  }

  validate(body: LargeBody): Promise<ValidationRecord> {
    return this.run('validate', body) as Promise<ValidationRecord>;
  }

  /** Ends the worker; reviews still queued get the internal-error answer. Never waits on the worker's work. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const worker = this.worker;
    this.fail(new Error('the webhook is shutting down'));
    for (const job of this.queue.splice(0)) this.settleFailed(job, new Error('the webhook is shutting down'));
    await worker?.terminate();
  }

  private run(webhook: AdmissionWebhook, { bytes }: LargeBody): Promise<MutationRecord | ValidationRecord> {
    // Sent by transfer, not copied: a body the parser concatenated owns its whole ArrayBuffer.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const body = own ? new Uint8Array(bytes.buffer) : new Uint8Array(bytes);
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('the webhook is shutting down'));
      this.queue.push({ id: this.nextId++, webhook, body, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.closed || this.queue.length === 0) return;
    clearTimeout(this.idle);
    if (!this.worker) {
      this.start();
      return;
    }
    if (!this.ready) return;
    const job = this.queue.shift()!;
    this.current = job;
    job.posted = process.hrtime.bigint();
    this.deadline = setTimeout(
      () => this.fail(new Error(`the admission worker did not answer within ${this.opts.deadlineMs} ms`)),
      this.opts.deadlineMs,
    );
    const message: ToWorker = { type: 'job', id: job.id, webhook: job.webhook, body: job.body };
    this.worker.postMessage(message, [job.body.buffer as ArrayBuffer]);
  }

  private start(): void {
    this.started++;
    this.sentPolicies = new Set();
    const worker = new Worker(workerFile(), {
      resourceLimits: this.opts.resourceLimits,
      workerData: { testHooks: this.opts.testHooks },
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    this.ready = false;
    // It never keeps the process alive: a review waiting on it holds its socket open instead.
    worker.unref();
    // A worker that cannot even start (its module missing, a startup that hangs) fails the
    // first review waiting for it rather than every one, and is tried again for the next.
    this.deadline = setTimeout(() => {
      const job = this.queue.shift();
      if (job) this.settleFailed(job, new Error('the admission worker did not start'));
      this.replace(worker);
    }, this.opts.deadlineMs * 3);
    worker.on('message', (message: FromWorker) => this.onMessage(worker, message));
    worker.on('error', (error) => this.onExit(worker, error));
    worker.on('exit', (code) => this.onExit(worker, new Error(`the admission worker exited with code ${code}`)));
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    if (worker !== this.worker) return;
    if (message.type === 'ready') {
      clearTimeout(this.deadline);
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
        context = this.context(message.ask);
      } catch (error) {
        this.finish(() => this.settleFailed(job, error as Error));
        return;
      }
      const reply: ToWorker = { type: 'context', id: job.id, context };
      worker.postMessage(reply);
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
    clearTimeout(this.deadline);
    this.current = undefined;
    settle();
    this.pump();
    if (!this.current && this.worker && !this.closed) {
      const worker = this.worker;
      this.idle = setTimeout(() => this.replace(worker), this.opts.idleMs);
      this.idle.unref();
    }
  }

  private onExit(worker: Worker, error: Error): void {
    if (worker !== this.worker) return;
    if (this.current) this.fail(error);
    else if (!this.ready) {
      // Died while starting: the first review waiting for it gets the failure answer.
      clearTimeout(this.deadline);
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

  private replace(worker: Worker): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.ready = false;
    clearTimeout(this.deadline);
    clearTimeout(this.idle);
    void worker.terminate();
    this.pump();
  }

  /** The internal-error answer, as the event loop's path gives it; before the uid is known, a 400. */
  private settleFailed(job: Job, error: Error): void {
    if (!job.ask) {
      job.reject(new MalformedReview(`the review could not be read: ${error.message}`));
      return;
    }
    const seconds = job.posted ? Number(process.hrtime.bigint() - job.posted) / 1e9 : 0;
    const head = job.ask.head;
    job.resolve(
      job.webhook === 'mutate'
        ? mutationRecord(head, failedMutation(head.uid, error), seconds)
        : validationRecord(head as ValidationHead, failedValidation(head.uid, error), seconds),
    );
  }

  /** What the worker needs about the request's namespace: read now, from the current snapshot. */
  private context(ask: WorkerAsk): WorkerContext {
    const { policies, namespaces, runtimes } = this.sources;
    const namespace = ask.head.namespace;
    const snapshot = policies.snapshot();
    const policy = ask.policyObject ? snapshot.cluster : snapshot.policyFor(namespace);
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
    if (namespaces) {
      const labels = namespace ? namespaces.labels(namespace) : undefined;
      context.namespaceLabels = labels ? { labels } : {};
    }
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
