// Every endpoint the webhook serves, in one place: POST /mutate, POST /validate (and their
// pod-level twins /mutate/pod-opt-in, /validate/pod-opt-in), and
// GET /healthz, /readyz, /metrics, /version. The HTTP server around them (TLS, limits,
// the body parser, errors, shutdown) is server.ts.
import type { FastifyInstance } from 'fastify';
import type { ImageVolumeSupport } from '../common/image-volumes.js';
import { ENGINE_VERSION } from '../policies/engine-version.js';
import type { AdmissionPool } from './admission-pool.js';
import { POD_OPT_IN_MUTATE_PATH, POD_OPT_IN_VALIDATE_PATH } from '../common/cluster-names.js';
import { type ClusterContext, injectOptionsFor, podOptInScopeFor } from './cluster-context.js';
import { LargeBody } from './large-body.js';
import type { LoadGuard } from './load-guard.js';
import type { Metrics } from './metrics.js';
import { answerMutation, type MutationRecord, recordMutation } from './mutation.js';
import type { PolicyStore } from './policy-store.js';
import { type AdmissionResponse, parseReview, sendReviewText } from './review.js';
import { NOT_INJECTED } from '../policies/rule-codes.js';
import {
  answerValidation,
  isPolicyObject,
  judgingPolicy,
  nextClusterPolicy,
  policyObjectWarnings,
  recordValidation,
  type ValidationRecord,
  validationHead,
} from './validation.js';

export interface RouteOptions extends ClusterContext {
  policies: PolicyStore;
  metrics: Metrics;
  /** Answers the bodies the parser left unparsed (LARGE_BODY and more), off the event loop. */
  worker: AdmissionPool;
  /** Found at start (a supplied key others can read, a heap without its limit): served in /version, for `doctor`. */
  warnings?: string[];
  /** Knows whether /mutate recently admitted pods uninjected (fail open), for the safety net's denial. */
  guard: Pick<LoadGuard, 'noteSkippedMutation' | 'recentlySkipped'>;
  /** Whether the cluster serves image volumes and why, found at start: served in /version. */
  imageVolumeSupport?: ImageVolumeSupport;
  /** True once shutdown has begun: /readyz answers 503. */
  isClosing: () => boolean;
  /** Under a primary (serving-processes.ts): the metrics of every serving process, summed. */
  clusterMetrics?: () => Promise<string>;
}

export function registerRoutes(app: FastifyInstance, opts: RouteOptions): void {
  registerAdmissionRoutes(app, opts);
  registerStatusRoutes(app, opts);
}

function registerAdmissionRoutes(app: FastifyInstance, opts: RouteOptions): void {
  const { metrics, policies, worker } = opts;
  // What the engine is told about the cluster: the same for /mutate and /validate (the
  // safety net must see the pod's namespace exactly as /mutate does).
  const cluster: ClusterContext = {
    ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
    ...(opts.runtimes ? { runtimes: opts.runtimes } : {}),
    ...(opts.imageVolumes !== undefined ? { imageVolumes: opts.imageVolumes } : {}),
  };
  // The pod-level entries (/mutate/pod-opt-in, /validate/pod-opt-in: labelled pods outside
  // opted-in namespaces) add whether the cluster policy allows pod-level opt-in there.
  const podOptInFor = (podOptIn: boolean, namespace: string | undefined) =>
    podOptIn ? podOptInScopeFor(policies.snapshot().cluster, namespace, cluster.namespaces) : undefined;
  const mutateHere = (body: unknown, podOptIn: boolean): MutationRecord => {
    const started = process.hrtime.bigint();
    const admission = parseReview(body);
    const scope = podOptInFor(podOptIn, admission.namespace);
    const ctx = scope ? { ...cluster, podOptIn: scope } : cluster;
    return answerMutation(admission, policies.snapshot().policyFor(admission.namespace), ctx, started);
  };
  for (const podOptIn of [false, true]) {
    app.post(podOptIn ? POD_OPT_IN_MUTATE_PATH : '/mutate', async (request, reply) => {
      const record =
        request.body instanceof LargeBody
          ? await worker.mutate(request.body, reply.elapsedTime, podOptIn)
          : mutateHere(request.body, podOptIn);
      if (record.outcome === 'error') opts.guard.noteSkippedMutation();
      recordMutation(metrics, request.log, record);
      return sendReviewText(reply, record.reply);
    });
  }

  const validateHere = (body: unknown, podOptIn: boolean): ValidationRecord => {
    const started = process.hrtime.bigint();
    const admission = parseReview(body);
    const snapshot = policies.snapshot();
    const policyObject = isPolicyObject(admission);
    const policy = judgingPolicy(snapshot, admission.kind?.kind, admission.namespace, policyObject);
    const extra = policyObject
      ? policyObjectWarnings(validationHead(admission), nextClusterPolicy(admission), snapshot)
      : [];
    return answerValidation(
      admission,
      policy,
      injectOptionsFor(admission.namespace, cluster.namespaces, cluster.runtimes, cluster.imageVolumes),
      extra,
      started,
      podOptInFor(podOptIn, admission.namespace),
    );
  };
  for (const podOptIn of [false, true]) {
    app.post(podOptIn ? POD_OPT_IN_VALIDATE_PATH : '/validate', async (request, reply) => {
      const record =
        request.body instanceof LargeBody
          ? await worker.validate(request.body, reply.elapsedTime, podOptIn)
          : validateHere(request.body, podOptIn);
      recordValidation(metrics, request.log, record);
      const skipped = opts.guard.recentlySkipped();
      return sendReviewText(reply, skipped > 0 ? withSkippedNote(record, skipped) : record.reply);
    });
  }
}

/**
 * A `not-injected` denial while /mutate has been failing open (over its memory budget, or an
 * internal error) says so: the pod may be one it admitted uninjected, and a retry injects it.
 */
function withSkippedNote(record: ValidationRecord, skipped: number): string {
  if (!record.violations.some(([rule, action]) => rule === NOT_INJECTED && action === 'denied')) return record.reply;
  const review = JSON.parse(record.reply) as { response: AdmissionResponse };
  const status = review.response.status;
  if (!status) return record.reply;
  status.message = `${status.message ?? ''}\n(graphdata's /mutate admitted ${skipped} pod${skipped === 1 ? '' : 's'} uninjected in the last 30 s because it was overloaded or failed; if this pod was one of them, create it again)`;
  return JSON.stringify(review);
}

function registerStatusRoutes(app: FastifyInstance, opts: RouteOptions): void {
  const { metrics, policies } = opts;
  app.get('/healthz', async () => ({ status: 'ok' }));
  // For `kubectl graphdata version`: which engine and policy answer admissions.
  app.get('/version', async () => {
    const { generation, synced, stale } = policies.health();
    const warnings = opts.warnings?.length ? { warnings: opts.warnings } : {};
    return {
      version: ENGINE_VERSION,
      policy: policies.source,
      policyStore: { generation, synced, stale },
      ...(opts.imageVolumeSupport ? { imageVolumes: opts.imageVolumeSupport } : {}),
      ...warnings,
    };
  });
  // Not ready until the policies are known; once they are, a broken watch keeps it ready
  // (serving the last good snapshot, `stale` in the body and the metrics): turning unready
  // would take every replica out at once and, failing closed, stop pods in opted-in namespaces.
  app.get('/readyz', async (_req, reply) => {
    if (opts.isClosing()) return reply.code(503).send({ status: 'shutting down' });
    const policyStore = policies.health();
    if (!policyStore.synced) return reply.code(503).send({ status: 'policies not synced', policyStore });
    return { status: 'ready', policy: policies.source, policyStore };
  });
  metrics.reportPolicyHealth(() => policies.health());
  app.get('/metrics', async (_req, reply) => {
    // Under a primary: every serving process's, summed there (serving-processes.ts).
    const text = opts.clusterMetrics ? await opts.clusterMetrics() : await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
