// The admission worker: a process that parses, checks and answers large admission bodies
// with the same functions the event loop uses for small ones (see admission-pool.ts for the
// protocol, and why a process). It holds nothing of the cluster but what the webhook sends
// for the one request's namespace, and keeps only the policies it was sent, by id.
import { existsSync } from 'node:fs';
import type { RuntimeInfo, RuntimeLookup } from '../policies/fluid-runtime.js';
import { ANNOTATION_DATASET, type Policy } from '../policies/model.js';
import { malformedReason, parseBody } from './body.js';
import { injectOptionsFor } from './cluster-context.js';
import { answerMutation, mutationHead } from './mutation.js';
import type { NamespaceIndex } from './namespace-index.js';
import { type AdmissionRequest, MalformedReview, parseReview } from './review.js';
import { answerValidation, isPolicyObject, nextClusterPolicy, validationHead } from './validation.js';
import type { AdmissionWebhook, FromWorker, ToWorker, WorkerAsk, WorkerContext } from './worker-protocol.js';

const testHooks = process.env.GRAPHDATA_WORKER_TEST_HOOKS === '1';
const testGate = process.env.GRAPHDATA_WORKER_TEST_GATE;
const policies = new Map<number, Policy>();

interface Waiting {
  id: number;
  webhook: AdmissionWebhook;
  admission: AdmissionRequest;
  ask: WorkerAsk;
  started: bigint;
}
let waiting: Waiting | undefined;

const send = (message: FromWorker) => process.send!(message);

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
 * Tests only: a fault on request (uid `worker-test:<fault>[:parsed]`), to check that the
 * main thread survives it. `throw` is caught and reported; the others end the worker.
 */
function testFault(uid: string, stage: 'parsed' | 'context', caught: boolean): void {
  if (!testHooks || !uid.startsWith('worker-test:')) return;
  const [fault, at = 'context'] = uid.slice('worker-test:'.length).split(':');
  if (at !== stage || (fault === 'throw') !== caught) return;
  if (fault === 'throw' || fault === 'crash') throw new Error(`test fault: ${fault}`);
  if (fault === 'exit') process.exit(3);
  if (fault === 'hang') for (;;);
  // Busy until the test opens the gate: a slow review, without spending CPU.
  if (fault === 'wait' && testGate) {
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(testGate)) Atomics.wait(sleep, 0, 0, 5);
  }
  if (fault === 'oom') {
    const hoard: string[][] = [];
    for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => `${i}`));
  }
  if (fault === 'oom-array') {
    const hoard = new Array<number>(1e8);
    for (let i = 0; i < hoard.length; i++) hoard[i] = i + 0.5;
  }
}

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
    testFault(admission.uid, 'parsed', true);
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
  testFault(job.admission.uid, 'parsed', false);
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
  testFault(job.admission.uid, 'context', false);
  try {
    testFault(job.admission.uid, 'context', true);
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
    const ctx = { ...(namespaces ? { namespaces } : {}), ...(runtimes ? { runtimes } : {}) };
    const record =
      job.webhook === 'mutate'
        ? answerMutation(job.admission, policy, ctx, job.started)
        : answerValidation(
            job.admission,
            policy,
            injectOptionsFor(namespace, ctx.namespaces, ctx.runtimes),
            context.extraWarnings,
            job.started,
          );
    send({ type: 'done', id, record });
  } catch (error) {
    send(failure(id, error));
  }
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'job') onJob(message.id, message.webhook, message.body);
  else onContext(message.id, message.context);
});
// The webhook is gone (its channel closed): nothing will ask for this worker again.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
