// AdmissionReview in, AdmissionReview out. No HTTP here: the server hands us the
// decoded body and sends back what we return, so this is testable without sockets.
import type { NamespaceIndex } from '../common/namespace-index.js';
import type { RuntimeLookup } from '../policies/fluid-runtime.js';
import { type InjectOptions, inject, type InjectionResult } from '../policies/engine.js';
import { type Diagnostic, warningText } from '../policies/diagnostics.js';
import type { Pod } from '../policies/k8s.js';
import type { Policy } from '../policies/model.js';

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

/**
 * The apiserver keeps about 4,096 characters of warnings per request (256 each), so
 * more than this many are never seen; a pod with 100k containers would otherwise get
 * a 25 MB answer. The rest are counted in one closing line.
 */
export const MAX_WARNINGS = 15;

export function admissionWarnings(diagnostics: readonly Diagnostic[]): string[] {
  if (diagnostics.length <= MAX_WARNINGS) return diagnostics.map(warningText);
  const shown = diagnostics.slice(0, MAX_WARNINGS - 1).map(warningText);
  const more = diagnostics.length - shown.length;
  return [...shown, `graphdata: ${more} more warnings not shown; kubectl graphdata explain lists them all`];
}

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
  return {
    ...(namespace ? { namespace } : {}),
    ...(namespaceLabels ? { namespaceLabels } : {}),
    ...(runtimes ? { runtimes } : {}),
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
    const warnings = admissionWarnings(injection.diagnostics);
    const response: AdmissionResponse = { uid, allowed: true, ...(warnings.length ? { warnings } : {}) };
    if (injection.patch.length === 0) return { response, outcome: 'unchanged', injection };
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(injection.patch)).toString('base64');
    return { response, outcome: 'injected', injection };
  } catch (error) {
    return {
      response: {
        uid,
        allowed: true,
        warnings: [
          `graphdata: injection failed and was skipped (${(error as Error).message}); the pod was admitted unchanged`,
        ],
      },
      outcome: 'error',
      error: error as Error,
    };
  }
}

export const reviewResponse = (response: AdmissionResponse) => ({
  apiVersion: ADMISSION_API_VERSION,
  kind: 'AdmissionReview',
  response,
});

/**
 * Sends the review as a string we serialise once: fastify then sends it as it is,
 * with the content type it would have set for the object.
 */
export const sendReview = <R extends { type(t: string): R; send(payload: string): R }>(
  reply: R,
  response: AdmissionResponse,
): R => reply.type('application/json; charset=utf-8').send(JSON.stringify(reviewResponse(response)));
