// The messages between the webhook's main thread (admission-pool.ts) and the admission
// worker process (admission-worker.ts), in one module both import. The exchange, per
// body, is described in admission-pool.ts.
import type { Policy } from '../policies/model.js';
import type { PodOptInScope } from '../policies/pod-opt-in.js';
import type { RuntimeInfo } from '../policies/fluid-runtime.js';
import type { MutationRecord } from './mutation.js';
import type { AdmissionHead } from './review.js';
import type { ValidationHead, ValidationRecord } from './validation.js';

export type AdmissionWebhook = 'mutate' | 'validate';

/** What the worker needs to know from the main thread, once it has read the request. */
export interface WorkerAsk {
  head: AdmissionHead | ValidationHead;
  /** /validate of a GraphDataPolicy or ClusterGraphDataPolicy: checked against the cluster policy. */
  policyObject: boolean;
  /** For a ClusterGraphDataPolicy: the policy it would put in effect. */
  next?: Policy;
  /** The Fluid datasets the object names (graphdata.io/dataset), looked up in head.namespace only. */
  datasets: string[];
}

/** The main thread's answer: plain data about the request's namespace and nothing else. */
export interface WorkerContext {
  /** The policy in effect; sent once per worker and policy object, then referred to by id. */
  policyId: number;
  policy?: Policy;
  /** The worker forgets the policies it holds before storing this one. */
  forgetPolicies?: true;
  /** Present when the main thread has a namespace index; the labels of head.namespace, if known. */
  namespaceLabels?: { labels?: Readonly<Record<string, string>> };
  /** Present in Fluid mode (the main thread has a runtime lookup): the datasets asked about that exist. */
  runtimes?: [string, RuntimeInfo][];
  /** Whether the cluster serves image volumes; absent without a cluster. */
  imageVolumes?: boolean;
  /** Policy-object notices, added to the answer when the object is admitted. */
  extraWarnings: string[];
  /** A review of the pod-level entry: whether the cluster policy allows pod-level opt-in in head.namespace. */
  podOptIn?: PodOptInScope;
}

/**
 * A job's body does not travel on the IPC channel: its `bytes` follow on the body pipe (the
 * worker's fd BODY_FD), written from the webhook's own buffer. The channel would copy it
 * twice more (v8 serialisation, then a length prefix), megabytes a job.
 */
export type ToWorker =
  | { type: 'job'; id: number; webhook: AdmissionWebhook; bytes: number }
  | { type: 'context'; id: number; context: WorkerContext };

/** The job as the worker handles it: its body read from the pipe. */
export type WorkerJob = { type: 'job'; id: number; webhook: AdmissionWebhook; body: Uint8Array };

/** The worker's file descriptor of the body pipe: stdio 0-2, the IPC channel (3), then it. */
export const BODY_FD = 4;

export type FromWorker =
  | { type: 'ready' }
  | { type: 'ask'; id: number; ask: WorkerAsk }
  | { type: 'done'; id: number; record: MutationRecord | ValidationRecord }
  | { type: 'bad'; id: number; reason: string }
  | { type: 'failed'; id: number; error: Error };
