// The admission worker's work: parse, check and answer large admission bodies with the same
// functions the event loop uses for small ones (see admission-pool.ts for the protocol, and
// why a process). It holds nothing of the cluster but what the webhook sends for the one
// request's namespace, and keeps only the policies it was sent, by id. The process around
// it is admission-worker-main.ts.
import type { RuntimeInfo, RuntimeLookup } from '../policies/fluid-runtime.js';
import { ANNOTATION_DATASET, type Policy } from '../policies/model.js';
import { malformedReason, parseBody } from './body.js';
import { injectOptionsFor } from './cluster-context.js';
import { answerMutation, mutationHead } from './mutation.js';
import type { NamespaceIndex } from './namespace-index.js';
import { type AdmissionRequest, MalformedReview, parseReview } from './review.js';
import { answerValidation, isPolicyObject, nextClusterPolicy, validationHead } from './validation.js';
import type { Readable } from 'node:stream';
import type { AdmissionWebhook, FromWorker, ToWorker, WorkerAsk, WorkerContext, WorkerJob } from './worker-protocol.js';

interface Waiting {
  id: number;
  webhook: AdmissionWebhook;
  admission: AdmissionRequest;
  ask: WorkerAsk;
  started: bigint;
}

/** A malformed review is a 400 on either path; anything else is an internal error. */
const failure = (id: number, error: unknown): FromWorker =>
  error instanceof MalformedReview
    ? { type: 'bad', id, reason: error.message }
    : { type: 'failed', id, error: error as Error };

/** The Fluid datasets the engine may look up for this object: the one its annotation names. */
function datasetsOf(admission: AdmissionRequest): string[] {
  const names: string[] = [];
  for (const object of [admission.object, admission.oldObject]) {
    const annotations = (object as { metadata?: { annotations?: Record<string, unknown> } } | undefined)?.metadata
      ?.annotations;
    const name = annotations?.[ANNOTATION_DATASET];
    // A Dataset name is a DNS-1035 label: anything longer is never looked up.
    if (typeof name === 'string' && name.length <= 63) names.push(name);
  }
  return names;
}

/**
 * The worker's side of the protocol: returns the handler of the main thread's messages,
 * which answers through `send`. Not bound to a process, so a test entry can wrap it.
 */
export function admissionWorker(
  send: (message: FromWorker) => void,
): (message: WorkerJob | Exclude<ToWorker, { type: 'job' }>) => void {
  const policies = new Map<number, Policy>();
  let waiting: Waiting | undefined;

  function onJob(id: number, webhook: AdmissionWebhook, body: Uint8Array): void {
    let job: Waiting;
    try {
      const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      let parsed: unknown;
      try {
        parsed = parseBody(bytes);
      } catch (error) {
        send({ type: 'bad', id, reason: malformedReason(error) });
        return;
      }
      // The event loop's path starts its clock here too: after the body is parsed.
      const clock = process.hrtime.bigint();
      const admission = parseReview(parsed);
      const policyObject = webhook === 'validate' && isPolicyObject(admission);
      const next = policyObject ? nextClusterPolicy(admission) : undefined;
      const ask: WorkerAsk = {
        head: webhook === 'mutate' ? mutationHead(admission) : validationHead(admission),
        policyObject,
        ...(next ? { next } : {}),
        datasets: datasetsOf(admission),
      };
      job = { id, webhook, admission, ask, started: clock };
    } catch (error) {
      send(failure(id, error));
      return;
    }
    waiting = job;
    send({ type: 'ask', id, ask: job.ask });
  }

  function onContext(id: number, context: WorkerContext): void {
    const job = waiting;
    if (!job || job.id !== id) return;
    waiting = undefined;
    // Kept first, whatever happens to this review: the main thread counts it as sent.
    if (context.forgetPolicies) policies.clear();
    if (context.policy) policies.set(context.policyId, context.policy);
    try {
      const policy = policies.get(context.policyId);
      if (!policy) throw new Error(`policy ${context.policyId} was not sent to the admission worker`);
      const namespace = job.admission.namespace;
      // Plain-data stand-ins for the main thread's index and lookup, for this namespace only.
      const labels = context.namespaceLabels?.labels;
      const namespaces: NamespaceIndex | undefined = context.namespaceLabels
        ? { labels: (ns) => (ns === namespace ? labels : undefined) }
        : undefined;
      let runtimes: RuntimeLookup | undefined;
      if (context.runtimes) {
        const found = new Map<string, RuntimeInfo>(context.runtimes);
        runtimes = (ns, name) => (ns === namespace ? found.get(name) : undefined);
      }
      const ctx = {
        ...(namespaces ? { namespaces } : {}),
        ...(runtimes ? { runtimes } : {}),
        ...(context.imageVolumes !== undefined ? { imageVolumes: context.imageVolumes } : {}),
      };
      const podOptIn = context.podOptIn;
      const record =
        job.webhook === 'mutate'
          ? answerMutation(job.admission, policy, { ...ctx, ...(podOptIn ? { podOptIn } : {}) }, job.started)
          : answerValidation(
              job.admission,
              policy,
              injectOptionsFor(namespace, ctx.namespaces, ctx.runtimes, ctx.imageVolumes),
              context.extraWarnings,
              job.started,
              podOptIn,
            );
      send({ type: 'done', id, record });
    } catch (error) {
      send(failure(id, error));
    }
  }

  return (message) => {
    if (message.type === 'job') onJob(message.id, message.webhook, message.body);
    else onContext(message.id, message.context);
  };
}

/**
 * The channel's messages with each job's body joined from the body pipe, in order: the pool
 * sends one job at a time and writes its bytes after the message, so the pipe's bytes are
 * the jobs' bodies back to back.
 */
export function withBodies(
  pipe: Readable,
  handle: (message: WorkerJob | Exclude<ToWorker, { type: 'job' }>) => void,
): (message: ToWorker) => void {
  const chunks: Buffer[] = [];
  let buffered = 0;
  const queue: ToWorker[] = [];
  const drain = () => {
    while (queue.length > 0) {
      const next = queue[0]!;
      if (next.type !== 'job') {
        queue.shift();
        handle(next);
        continue;
      }
      if (buffered < next.bytes) return;
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
      const body = all.subarray(0, next.bytes);
      chunks.length = 0;
      buffered -= next.bytes;
      if (buffered > 0) chunks.push(all.subarray(next.bytes));
      queue.shift();
      handle({ type: 'job', id: next.id, webhook: next.webhook, body });
    }
  };
  pipe.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    drain();
  });
  return (message) => {
    queue.push(message);
    drain();
  };
}
