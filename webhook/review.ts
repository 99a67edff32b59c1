// AdmissionReview in, AdmissionReview out. No HTTP here: the server hands us the
// decoded body and sends back what we return, so this is testable without sockets.
import type { NamespaceIndex } from './namespace-index.js';
import type { RuntimeLookup } from '../policies/fluid-runtime.js';
import { type InjectOptions, inject, type InjectionResult } from '../policies/engine.js';
import { admissionWarnings } from '../policies/admission-warnings.js';
import type { Pod } from '../policies/k8s.js';
import type { Policy } from '../policies/model.js';
import type { Metrics } from './metrics.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  resource?: { group?: string; version?: string; resource?: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation?: string;
  object?: unknown;
  /** The stored object, on UPDATE. */
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
  status?: { code?: number; reason?: string; message?: string };
}

/** A request we cannot answer as an AdmissionReview: the server turns it into a 400 with `reason`. */
export class MalformedReview extends Error {}

/** Checks the envelope and returns the request; throws MalformedReview saying what is wrong. */
export function parseReview(body: unknown): AdmissionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MalformedReview('body must be a JSON object (an AdmissionReview)');
  const review = body as { apiVersion?: unknown; kind?: unknown; request?: unknown };
  if (review.kind !== 'AdmissionReview')
    throw new MalformedReview(`kind must be AdmissionReview, got ${JSON.stringify(review.kind ?? null)}`);
  if (review.apiVersion !== ADMISSION_API_VERSION) {
    throw new MalformedReview(
      `apiVersion must be ${ADMISSION_API_VERSION}, got ${JSON.stringify(review.apiVersion ?? null)}; set admissionReviewVersions: ["v1"] in the webhook configuration`,
    );
  }
  const request = review.request as AdmissionRequest | undefined;
  if (typeof request !== 'object' || request === null) throw new MalformedReview('request is missing');
  if (typeof request.uid !== 'string' || request.uid === '') throw new MalformedReview('request.uid is missing');
  // What decides the policy and goes into logs and metrics labels has the apiserver's types.
  for (const field of ['namespace', 'name', 'operation', 'subResource'] as const) {
    if (request[field] !== undefined && typeof request[field] !== 'string')
      throw new MalformedReview(`request.${field} must be a string`);
  }
  const kind = request.kind as unknown;
  if (kind !== undefined && (typeof kind !== 'object' || kind === null || Array.isArray(kind)))
    throw new MalformedReview('request.kind must be an object (group, version, kind)');
  if (request.kind?.kind !== undefined && typeof request.kind.kind !== 'string')
    throw new MalformedReview('request.kind.kind must be a string');
  return request;
}

export type AdmissionOutcome = 'injected' | 'unchanged' | 'ignored' | 'error';

export interface AdmissionResult {
  response: AdmissionResponse;
  outcome: AdmissionOutcome;
  injection?: InjectionResult;
  error?: Error;
}

const isPodCreate = (r: AdmissionRequest): boolean =>
  r.operation === 'CREATE' && r.kind?.kind === 'Pod' && (r.kind.group ?? '') === '' && !r.subResource;

export interface MutateContext {
  /** Namespace labels (PodSecurity level, profile namespaceSelector); absent without a cluster. */
  namespaces?: NamespaceIndex;
  /** Fluid mode: AlluxioRuntimes from an informer; absent without a cluster. */
  runtimes?: RuntimeLookup;
}

/**
 * What the engine is told about the request's namespace. /mutate and /validate must use
 * the same: a pod injected without the socket under PodSecurity `restricted` would
 * otherwise fail the safety net's "should have been injected" check.
 */
export function injectOptionsFor(
  namespace: string | undefined,
  namespaces?: NamespaceIndex,
  runtimes?: RuntimeLookup,
): InjectOptions {
  const namespaceLabels = namespace ? namespaces?.labels(namespace) : undefined;
  // Without the request's namespace the engine would look runtimes up in the pod's own
  // metadata.namespace, which its author writes: no lookup at all then.
  return {
    ...(namespace ? { namespace } : {}),
    ...(namespaceLabels ? { namespaceLabels } : {}),
    ...(runtimes && namespace ? { runtimes } : {}),
  };
}

/**
 * Mutation fails open: an internal error admits the pod unchanged, with a warning. The
 * pod in `request.object` is changed in place (it was parsed for this request alone);
 * the patch is the one the mutators recorded.
 */
export function mutate(request: AdmissionRequest, policy: Policy, ctx: MutateContext = {}): AdmissionResult {
  const uid = request.uid;
  if (!isPodCreate(request)) return { response: { uid, allowed: true }, outcome: 'ignored' };
  const pod = request.object;
  if (typeof pod !== 'object' || pod === null || Array.isArray(pod))
    throw new MalformedReview('request.object must be the Pod being created');
  try {
    const injection = inject(pod as Pod, policy, {
      ...injectOptionsFor(request.namespace, ctx.namespaces, ctx.runtimes),
      inPlace: true,
    });
    // Capped by the pure core, so `policy test` shows the warnings kubectl would print.
    const warnings = admissionWarnings(injection.diagnostics);
    const response: AdmissionResponse = { uid, allowed: true, ...(warnings.length ? { warnings } : {}) };
    if (injection.patch.length === 0) return { response, outcome: 'unchanged', injection };
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(injection.patch)).toString('base64');
    return { response, outcome: 'injected', injection };
  } catch (error) {
    return failedMutation(uid, error as Error);
  }
}

/** Fails open: the pod is admitted unchanged, with a warning saying why. */
export const failedMutation = (uid: string, error: Error): AdmissionResult => ({
  response: {
    uid,
    allowed: true,
    warnings: [`graphdata: injection failed and was skipped (${error.message}); the pod was admitted unchanged`],
  },
  outcome: 'error',
  error,
});

/** What the log line says about the request itself: known once the review is parsed. */
export interface AdmissionHead {
  uid: string;
  namespace?: string;
  name?: string;
  operation?: string;
  /** 'unknown' only for a large review answered unread: its dryRun was beyond the prefix peekHead reads. */
  dryRun: DryRun;
}

/** A request's dryRun as the metric label and the log line give it. */
export type DryRun = boolean | 'unknown';

export const mutationHead = (admission: AdmissionRequest): AdmissionHead => {
  const generateName = (admission.object as { metadata?: { generateName?: unknown } } | undefined)?.metadata
    ?.generateName;
  return {
    uid: admission.uid,
    namespace: admission.namespace,
    name: admission.name ?? (typeof generateName === 'string' ? generateName : undefined),
    operation: admission.operation,
    dryRun: Boolean(admission.dryRun),
  };
};

/**
 * An answered /mutate review as plain data: the reply to send and what the metrics and
 * the log line need. Built where the review was answered (on the event loop, or in the
 * admission worker for a large body) and recorded on the main thread.
 */
export interface MutationRecord {
  /** The AdmissionReview, serialised. */
  reply: string;
  seconds: number;
  outcome: AdmissionOutcome;
  dryRun: DryRun;
  workload?: string;
  /** Mutators that applied something, when the pod was injected. */
  mutators: string[];
  /** Warnings counted per code: one metric increment per code, not per diagnostic (a hostile pod has 100k). */
  warningCodes: [string, number][];
  log: Record<string, unknown>;
  error?: Error;
}

export function mutationRecord(head: AdmissionHead, result: AdmissionResult, seconds: number): MutationRecord {
  const injection = result.injection;
  const injected = injection?.status === 'injected' && injection.workload;
  const mutators = injected
    ? [...new Set(injection.actions.filter((a) => a.outcome === 'applied').map((a) => a.mutator))]
    : [];
  const byCode = new Map<string, number>();
  for (const d of injection?.diagnostics ?? []) byCode.set(d.code, (byCode.get(d.code) ?? 0) + 1);
  return {
    reply: reviewJson(result.response),
    seconds,
    outcome: result.outcome,
    dryRun: head.dryRun,
    ...(injected ? { workload: injection.workload } : {}),
    mutators,
    warningCodes: [...byCode],
    log: {
      uid: head.uid,
      namespace: head.namespace,
      name: head.name,
      operation: head.operation,
      outcome: result.outcome,
      status: injection?.status,
      workload: injection?.workload,
      dryRun: head.dryRun,
      ms: +(seconds * 1000).toFixed(3),
    },
    ...(result.error ? { error: result.error } : {}),
  };
}

/** The parsed review answered: the same function on the event loop and in the admission worker. */
export function answerMutation(
  admission: AdmissionRequest,
  policy: Policy,
  ctx: MutateContext,
  started: bigint,
): MutationRecord {
  const head = mutationHead(admission);
  const result = mutate(admission, policy, ctx);
  return mutationRecord(head, result, secondsSince(started));
}

export const secondsSince = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/** The logger calls the records need (fastify's request logger). */
export interface AdmissionLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function recordMutation(metrics: Metrics, log: AdmissionLog, record: MutationRecord): void {
  metrics.duration.observe({ webhook: 'mutate' }, record.seconds);
  metrics.requests.inc({ webhook: 'mutate', outcome: record.outcome, dry_run: String(record.dryRun) });
  if (record.workload) {
    for (const mutator of record.mutators) metrics.injections.inc({ workload: record.workload, mutator });
  }
  for (const [code, n] of record.warningCodes) metrics.warnings.inc({ code }, n);
  if (record.error) log.error({ ...record.log, err: record.error }, 'injection failed; admitted unchanged');
  else log.info(record.log, 'admission');
}

export const reviewResponse = (response: AdmissionResponse) => ({
  apiVersion: ADMISSION_API_VERSION,
  kind: 'AdmissionReview',
  response,
});

/**
 * The review as JSON text, the same as JSON.stringify of `reviewResponse`. The patch is
 * base64 (no character needs escaping) and comes last: it is spliced in, which spares
 * JSON.stringify a scan of its 3 KB (about 5 µs a request on the realistic review).
 */
export function reviewJson(response: AdmissionResponse): string {
  const { patch, ...rest } = response;
  if (patch === undefined) return JSON.stringify(reviewResponse(response));
  return `${JSON.stringify(reviewResponse(rest)).slice(0, -2)},"patch":"${patch}"}}`;
}

/**
 * Sends an AdmissionReview serialised once already (by `reviewJson`, or in the admission
 * worker): fastify sends the string as it is, with the content type it would have set
 * for the object.
 */
export const sendReviewText = <R extends { type(t: string): R; send(payload: string): R }>(reply: R, text: string): R =>
  reply.type('application/json; charset=utf-8').send(text);
