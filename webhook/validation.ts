// POST /validate: AdmissionReview in, allowed/denied with warnings out. The decision is
// the pure core's (policies/enforcement.ts); this file maps it to the wire and to metrics.
import type { NamespaceIndex } from '../common/namespace-index.js';
import type { RuntimeLookup } from '../policies/fluid-runtime.js';
import type { FastifyInstance } from 'fastify';
import { formatDiagnostic, WARNING_MAX_CHARS, warningText } from '../policies/diagnostics.js';
import type { InjectOptions } from '../policies/engine.js';
import { denialMessage, enforce, type Verdict } from '../policies/enforcement.js';
import { GROUP, POLICY_KINDS, type Policy } from '../policies/model.js';
import { checkLayering } from '../policies/layering.js';
import { policyFromObject } from '../policies/policy-loader.js';
import type { PolicySnapshot } from '../policies/policy-set.js';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  injectOptionsFor,
  MAX_WARNINGS,
  MalformedReview,
  parseReview,
  sendReview,
} from './admission.js';
import type { Metrics } from './metrics.js';
import type { PolicyStore } from './policy-store.js';
import { yieldForLargeBody } from './large-body.js';

export type ValidationOutcome = 'allowed' | 'warned' | 'denied' | 'ignored' | 'error';

export interface ValidationResult {
  response: AdmissionResponse;
  outcome: ValidationOutcome;
  verdict?: Verdict;
  error?: Error;
}

/** Pods at CREATE; everything else the registration sends at CREATE or UPDATE. */
function operationOf(r: AdmissionRequest): 'CREATE' | 'UPDATE' | undefined {
  if (r.subResource) return undefined;
  const isPod = r.kind?.kind === 'Pod' && (r.kind.group ?? '') === '';
  if (r.operation === 'CREATE') return 'CREATE';
  if (r.operation === 'UPDATE' && !isPod) return 'UPDATE';
  return undefined;
}

const withKind = (object: unknown, r: AdmissionRequest): unknown => {
  // The apiserver sends typed objects with apiVersion and kind; fill them if a caller did not.
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return object;
  const o = object as Record<string, unknown>;
  if (o.kind !== undefined && o.apiVersion !== undefined) return o;
  const group = r.kind?.group ?? '';
  const version = r.kind?.version ?? '';
  return { apiVersion: group ? `${group}/${version}` : version, kind: r.kind?.kind, ...o };
};

export function validate(request: AdmissionRequest, policy: Policy, opts: InjectOptions = {}): ValidationResult {
  const uid = request.uid;
  const operation = operationOf(request);
  if (!operation) return { response: { uid, allowed: true }, outcome: 'ignored' };
  const object = request.object;
  if (typeof object !== 'object' || object === null || Array.isArray(object))
    throw new MalformedReview(
      `request.object must be the object being ${operation === 'CREATE' ? 'created' : 'updated'}`,
    );
  try {
    const verdict = enforce(
      {
        object: withKind(object, request),
        ...(request.oldObject ? { oldObject: withKind(request.oldObject, request) } : {}),
        operation,
        inject: { ...(request.namespace ? { namespace: request.namespace } : {}), ...opts },
      },
      policy,
    );
    const warnings = verdict.warnings.map((f) => warningText(f.diagnostic));
    const response: AdmissionResponse = {
      uid,
      allowed: verdict.allowed,
      ...(warnings.length ? { warnings } : {}),
      ...(verdict.allowed
        ? {}
        : { status: { code: 403, reason: 'Forbidden', message: denialMessage(verdict.denials, formatDiagnostic) } }),
    };
    const outcome: ValidationOutcome = !verdict.allowed ? 'denied' : warnings.length ? 'warned' : 'allowed';
    return { response, outcome, verdict };
  } catch (error) {
    // Enforcement fails closed, like the registration's failurePolicy: an object we could
    // not check is not admitted. Rules are pure and fuzzed; this is for the unforeseen.
    return {
      response: {
        uid,
        allowed: false,
        status: {
          code: 500,
          message: `graphdata could not check this object (${(error as Error).message}); it was not admitted`,
        },
      },
      outcome: 'error',
      error: error as Error,
    };
  }
}

const isPolicyObject = (r: AdmissionRequest): boolean =>
  r.kind?.group === GROUP && (POLICY_KINDS as readonly string[]).includes(r.kind.kind ?? '');

/** A second policy of one scope is admitted but not applied: say which one is (one per scope, the oldest). */
function notInEffectWarning(r: AdmissionRequest, snapshot: PolicySnapshot): string | undefined {
  if (r.operation !== 'CREATE' || !r.name) return undefined;
  if (r.kind?.kind === 'GraphDataPolicy' && r.namespace) {
    const current = snapshot.namespacePolicy(r.namespace);
    if (current && current.name !== r.name)
      return `graphdata: GraphDataPolicy ${current.name} is in effect in ${r.namespace}; this one will not be (one applies per namespace, the oldest)`;
  }
  if (r.kind?.kind === 'ClusterGraphDataPolicy') {
    const current = snapshot.clusterPolicyName;
    if (current && current !== r.name)
      return `graphdata: ClusterGraphDataPolicy ${current} is in effect; this one will not be (one applies per cluster, the oldest)`;
  }
  return undefined;
}

/**
 * A cluster policy about to be in effect that some namespace's GraphDataPolicy would loosen:
 * that namespace policy stops applying until it is fixed. Say which, before it happens.
 */
function orphanedWarnings(r: AdmissionRequest, snapshot: PolicySnapshot): string[] {
  if (r.kind?.kind !== 'ClusterGraphDataPolicy' || !r.name) return [];
  if (snapshot.clusterPolicyName !== undefined && snapshot.clusterPolicyName !== r.name) return [];
  const next = policyFromObject(r.object).policy;
  if (!next) return [];
  const out: string[] = [];
  for (const ns of snapshot.chosenNamespacePolicies) {
    const found = checkLayering(next, ns);
    if (!found.length) continue;
    const text = `graphdata: GraphDataPolicy ${ns.namespace}/${ns.name} would loosen this policy (${found[0]!.message.replace(/ \(ClusterGraphDataPolicy [^)]*\)$/, '')}${found.length > 1 ? ` and ${found.length - 1} more` : ''}) and stops applying until it is fixed`;
    out.push(text.length <= WARNING_MAX_CHARS ? text : `${text.slice(0, WARNING_MAX_CHARS - 1)}…`);
  }
  if (out.length <= MAX_WARNINGS) return out;
  return [
    ...out.slice(0, MAX_WARNINGS - 1),
    `graphdata: ${out.length - MAX_WARNINGS + 1} more GraphDataPolicies would stop applying`,
  ];
}

export interface ValidateRouteOptions {
  policies: PolicyStore;
  metrics: Metrics;
  /** Namespace labels for the injection check: the same index /mutate reads. */
  namespaces?: NamespaceIndex;
  /** AlluxioRuntimes for Fluid mode: the same lookup /mutate reads. */
  runtimes?: RuntimeLookup;
}

/** Registers POST /validate on the server. */
export function registerValidateRoute(app: FastifyInstance, opts: ValidateRouteOptions): void {
  const { metrics } = opts;
  app.post('/validate', async (request, reply) => {
    await yieldForLargeBody(request);
    const started = process.hrtime.bigint();
    const admission = parseReview(request.body);
    const snapshot = opts.policies.snapshot();
    const policyObject = isPolicyObject(admission);
    // A policy object is checked against the cluster policy in effect (a GraphDataPolicy may only tighten it).
    const policy = policyObject ? snapshot.cluster : snapshot.policyFor(admission.namespace);
    const result = validate(admission, policy, injectOptionsFor(admission.namespace, opts.namespaces, opts.runtimes));
    if (policyObject && result.response.allowed) {
      const notice = notInEffectWarning(admission, snapshot);
      const extra = [...(notice ? [notice] : []), ...orphanedWarnings(admission, snapshot)];
      if (extra.length) result.response.warnings = [...(result.response.warnings ?? []), ...extra];
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.duration.observe({ webhook: 'validate' }, seconds);
    metrics.requests.inc({
      webhook: 'validate',
      outcome: result.outcome,
      dry_run: String(Boolean(admission.dryRun)),
    });
    const kind = admission.kind?.kind ?? '';
    for (const f of result.verdict?.denials ?? []) metrics.violations.inc({ rule: f.rule, action: 'denied', kind });
    for (const f of result.verdict?.warnings ?? []) {
      metrics.violations.inc({ rule: f.rule, action: 'warned', kind });
      metrics.warnings.inc({ code: f.diagnostic.code });
    }
    const log = {
      uid: admission.uid,
      namespace: admission.namespace,
      name: admission.name,
      kind,
      operation: admission.operation,
      outcome: result.outcome,
      denied: result.verdict?.denials.map((f) => f.diagnostic.code),
      dryRun: Boolean(admission.dryRun),
      ms: +(seconds * 1000).toFixed(3),
    };
    if (result.error) request.log.error({ ...log, err: result.error }, 'validation failed; denied');
    else request.log.info(log, 'validation');
    return sendReview(reply, result.response);
  });
}
