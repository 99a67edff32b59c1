// POST /mutate's answer: the pod injected by the pure core (policies/engine.ts), mapped to
// an AdmissionResponse, a record for the metrics and the log line, and those recorded.
// No HTTP here (routes.ts), so this is testable without sockets.
import { admissionWarnings } from '../policies/admission-warnings.js';
import { type InjectionResult, inject } from '../policies/engine.js';
import type { Pod } from '../policies/k8s.js';
import type { Policy } from '../policies/model.js';
import { hasOptInLabel, type PodOptInScope, podOptInWarning } from '../policies/pod-opt-in.js';
import { type ClusterContext, injectOptionsFor } from './cluster-context.js';
import type { Metrics } from './metrics.js';
import {
  type AdmissionHead,
  type AdmissionLog,
  type AdmissionRequest,
  type AdmissionResponse,
  type DryRunFlag,
  MalformedReview,
  reviewJson,
  secondsSince,
} from './review.js';

/** `shed`: answered without being read, the webhook being over its memory budget (load-guard.ts). */
export type MutationOutcome = 'injected' | 'unchanged' | 'ignored' | 'error' | 'shed';

export interface MutationResult {
  response: AdmissionResponse;
  outcome: MutationOutcome;
  injection?: InjectionResult;
  error?: Error;
}

const isPodCreate = (r: AdmissionRequest): boolean =>
  r.operation === 'CREATE' && r.kind?.kind === 'Pod' && (r.kind.group ?? '') === '' && !r.subResource;

export interface MutateContext extends ClusterContext {
  /**
   * Present when the request came through the pod-level entry (/mutate/pod-opt-in):
   * whether the cluster policy allows pod-level opt-in in its namespace.
   */
  podOptIn?: PodOptInScope;
}

/**
 * Mutation fails open: an internal error admits the pod unchanged, with a warning. The
 * pod in `request.object` is changed in place (it was parsed for this request alone);
 * the patch is the one the mutators recorded.
 */
export function mutate(request: AdmissionRequest, policy: Policy, ctx: MutateContext = {}): MutationResult {
  const uid = request.uid;
  if (!isPodCreate(request)) return { response: { uid, allowed: true }, outcome: 'ignored' };
  const pod = request.object;
  if (typeof pod !== 'object' || pod === null || Array.isArray(pod))
    throw new MalformedReview('request.object must be the Pod being created');
  if (ctx.podOptIn && !hasOptInLabel(pod)) return { response: { uid, allowed: true }, outcome: 'ignored' };
  if (ctx.podOptIn && !ctx.podOptIn.allowed)
    return { response: { uid, allowed: true, warnings: [podOptInWarning(ctx.podOptIn)] }, outcome: 'unchanged' };
  try {
    const injection = inject(pod as Pod, policy, {
      ...injectOptionsFor(request.namespace, ctx.namespaces, ctx.runtimes, ctx.imageVolumes),
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
export const failedMutation = (uid: string, error: Error): MutationResult => ({
  response: {
    uid,
    allowed: true,
    warnings: [`graphdata: injection failed and was skipped (${error.message}); the pod was admitted unchanged`],
  },
  outcome: 'error',
  error,
});

export const mutationHead = (admission: AdmissionRequest): AdmissionHead => {
  const generateName = (admission.object as { metadata?: { generateName?: unknown } } | undefined)?.metadata
    ?.generateName;
  return {
    uid: admission.uid,
    namespace: admission.namespace,
    name: admission.name ?? (typeof generateName === 'string' ? generateName : undefined),
    operation: admission.operation,
    isDryRun: Boolean(admission.dryRun),
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
  outcome: MutationOutcome;
  isDryRun: DryRunFlag;
  workload?: string;
  /** Mutators that applied something, when the pod was injected. */
  mutators: string[];
  /** Warnings counted per code: one metric increment per code, not per diagnostic (a hostile pod has 100k). */
  warningCodes: [string, number][];
  log: Record<string, unknown>;
  error?: Error;
}

export function mutationRecord(head: AdmissionHead, result: MutationResult, seconds: number): MutationRecord {
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
    isDryRun: head.isDryRun,
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
      dryRun: head.isDryRun,
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

export function recordMutation(metrics: Metrics, log: AdmissionLog, record: MutationRecord): void {
  metrics.duration.observe({ webhook: 'mutate' }, record.seconds);
  metrics.requests.inc({ webhook: 'mutate', outcome: record.outcome, dry_run: String(record.isDryRun) });
  if (record.workload) {
    for (const mutator of record.mutators) metrics.injections.inc({ workload: record.workload, mutator });
  }
  for (const [code, n] of record.warningCodes) metrics.warnings.inc({ code }, n);
  if (record.error) log.error({ ...record.log, err: record.error }, 'injection failed; admitted unchanged');
  else log.info(record.log, 'admission');
}
