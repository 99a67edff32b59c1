// The AdmissionReview envelope, shared by /mutate and /validate: its types, the check of
// a decoded body (parseReview), the head a log line reads, and the reply's JSON text and
// how it is sent. No route and no decision here (routes.ts, mutation.ts, validation.ts).

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

/** What the log line says about the request itself: known once the review is parsed. */
export interface AdmissionHead {
  uid: string;
  namespace?: string;
  name?: string;
  operation?: string;
  /** 'unknown' only for a large review answered unread: its dryRun was beyond the prefix peekHead reads. */
  isDryRun: DryRunFlag;
}

/** A request's dryRun flag as the metric label and the log line give it. */
export type DryRunFlag = boolean | 'unknown';

export const secondsSince = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/** The logger calls the records need (fastify's request logger). */
export interface AdmissionLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
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
