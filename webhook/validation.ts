// POST /validate's answer: the decision is the pure core's (policies/enforcement.ts); this
// file maps it to an AdmissionResponse, adds the policy-object notices, and records the
// answer for the metrics and the log line. No HTTP here (routes.ts).
import { BUILT_IN_POLICY_NAME, VALIDATED_POD_SUBRESOURCES } from '../common/cluster-names.js';
import { admissionWarnings, MAX_WARNINGS } from '../policies/admission-warnings.js';
import { formatDiagnostic, WARNING_MAX_CHARS } from '../policies/diagnostics.js';
import type { InjectOptions } from '../policies/engine.js';
import { denialMessage, enforce, type Verdict } from '../policies/enforcement.js';
import { applyNamespaceOverrides, checkLayering } from '../policies/layering.js';
import { GROUP, POLICY_KINDS, type Policy } from '../policies/model.js';
import { POD_OPT_IN_RULE, podOptInGate, type PodOptInScope } from '../policies/pod-opt-in.js';
import { policyFromObject } from '../policies/policy-loader.js';
import type { PolicySnapshot } from '../policies/policy-set.js';
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

export type ValidationOutcome = 'allowed' | 'warned' | 'denied' | 'ignored' | 'error' | 'shed';

export interface ValidationResult {
  response: AdmissionResponse;
  outcome: ValidationOutcome;
  verdict?: Verdict;
  error?: Error;
}

/**
 * CREATE and UPDATE of the objects themselves, and the UPDATEs of pod subresources that
 * change what a pod runs (ephemeral containers, in-place resize): each carries the whole
 * Pod, judged as an UPDATE of it. Other subresources and operations are admitted unread.
 */
function operationOf(r: AdmissionRequest): 'CREATE' | 'UPDATE' | undefined {
  if (r.subResource) {
    const isPod = r.kind?.kind === 'Pod' && (r.kind.group ?? '') === '';
    const judged = (VALIDATED_POD_SUBRESOURCES as readonly string[]).includes(r.subResource);
    return isPod && judged && r.operation === 'UPDATE' ? 'UPDATE' : undefined;
  }
  if (r.operation === 'CREATE' || r.operation === 'UPDATE') return r.operation;
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

/**
 * `podOptIn` is present when the request came through the pod-level entry
 * (/validate/pod-opt-in): the gate of policies/pod-opt-in.ts runs before the rules.
 */
export function validate(
  request: AdmissionRequest,
  policy: Policy,
  opts: InjectOptions = {},
  podOptIn?: PodOptInScope,
): ValidationResult {
  const uid = request.uid;
  const operation = operationOf(request);
  if (!operation) return { response: { uid, allowed: true }, outcome: 'ignored' };
  const object = request.object;
  if (typeof object !== 'object' || object === null || Array.isArray(object))
    throw new MalformedReview(
      `request.object must be the object being ${operation === 'CREATE' ? 'created' : 'updated'}`,
    );
  try {
    const gate = podOptIn ? podOptInGate(podOptIn, operation, object, request.oldObject) : 'judge';
    if (gate === 'skip') return { response: { uid, allowed: true }, outcome: 'ignored' };
    if (gate !== 'judge') {
      const denials = [{ rule: POD_OPT_IN_RULE, diagnostic: gate }];
      const message = denialMessage(denials, formatDiagnostic);
      return {
        response: { uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } },
        outcome: 'denied',
        verdict: { allowed: false, denials, warnings: [] },
      };
    }
    const verdict = enforce(
      {
        object: withKind(object, request),
        ...(request.oldObject ? { oldObject: withKind(request.oldObject, request) } : {}),
        operation,
        inject: { ...(request.namespace ? { namespace: request.namespace } : {}), ...opts },
      },
      policy,
    );
    const warnings = admissionWarnings(
      verdict.warnings.map((f) => f.diagnostic),
      'kubectl graphdata validate',
    );
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
    return failedValidation(uid, error as Error);
  }
}

/**
 * Enforcement fails closed, like the registration's failurePolicy: an object we could
 * not check is not admitted. Rules are pure and fuzzed; this is for the unforeseen.
 */
export const failedValidation = (uid: string, error: Error): ValidationResult => ({
  response: {
    uid,
    allowed: false,
    status: {
      code: 500,
      message: `graphdata could not check this object (${error.message}); it was not admitted`,
    },
  },
  outcome: 'error',
  error,
});

/**
 * The policy a request is judged under: a GraphDataPolicy against the cluster policy as its
 * namespace sees it (the namespaceOverrides selecting it applied: it may only tighten that),
 * a ClusterGraphDataPolicy against the one in effect, anything else under its namespace's
 * effective policy.
 */
export function judgingPolicy(
  snapshot: PolicySnapshot,
  kind: string | undefined,
  namespace: string | undefined,
  policyObject: boolean,
): Policy {
  if (!policyObject) return snapshot.policyFor(namespace);
  return kind === 'GraphDataPolicy' && namespace ? snapshot.basePolicyFor(namespace) : snapshot.cluster;
}

export const isPolicyObject = (r: AdmissionRequest): boolean =>
  r.kind?.group === GROUP && (POLICY_KINDS as readonly string[]).includes(r.kind.kind ?? '');

/** What the log line and the policy-object notices read about the request itself. */
export interface ValidationHead extends AdmissionHead {
  kind: string;
}

export const validationHead = (r: AdmissionRequest): ValidationHead => ({
  uid: r.uid,
  namespace: r.namespace,
  name: r.name,
  kind: r.kind?.kind ?? '',
  operation: r.operation,
  isDryRun: Boolean(r.dryRun),
});

/** A second policy of one scope is admitted but not applied: say which one is (one per scope, the oldest). */
function notInEffectWarning(r: ValidationHead, snapshot: PolicySnapshot): string | undefined {
  if (r.operation !== 'CREATE' || !r.name) return undefined;
  if (r.kind === 'GraphDataPolicy' && r.namespace) {
    const current = snapshot.namespacePolicy(r.namespace);
    if (current && current.name !== r.name)
      return `graphdata: GraphDataPolicy ${current.name} is in effect in ${r.namespace}; this one will not be (one applies per namespace, the oldest)`;
  }
  if (r.kind === 'ClusterGraphDataPolicy') {
    const current = snapshot.clusterPolicyName;
    if (current && current !== r.name)
      return `graphdata: ClusterGraphDataPolicy ${current} is in effect; this one will not be (one applies per cluster, the oldest)`;
  }
  return undefined;
}

/** The policy a ClusterGraphDataPolicy under review would put in effect (read from the body, where it is parsed). */
export const nextClusterPolicy = (r: AdmissionRequest): Policy | undefined =>
  r.kind?.kind === 'ClusterGraphDataPolicy' && r.name ? policyFromObject(r.object).policy : undefined;

/**
 * A cluster policy about to be in effect that some namespace's GraphDataPolicy would loosen:
 * that namespace policy stops applying until it is fixed. Say which, before it happens.
 */
function orphanedWarnings(r: ValidationHead, next: Policy | undefined, snapshot: PolicySnapshot): string[] {
  if (r.kind !== 'ClusterGraphDataPolicy' || !r.name) return [];
  if (snapshot.clusterPolicyName !== undefined && snapshot.clusterPolicyName !== r.name) return [];
  if (!next) return [];
  const out: string[] = [];
  for (const ns of snapshot.chosenNamespacePolicies) {
    // As that namespace would see the new policy: with the namespaceOverrides its labels select.
    const found = checkLayering(applyNamespaceOverrides(next, snapshot.labelsOf(ns.namespace)).policy, ns);
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

/**
 * What a policy object's admission adds, from the snapshot (the main thread's): which
 * policy of its scope is in effect, and which namespace policies it would stop applying.
 */
export function policyObjectWarnings(r: ValidationHead, next: Policy | undefined, snapshot: PolicySnapshot): string[] {
  const notice = notInEffectWarning(r, snapshot);
  const shared = sharedReferenceWarning(r);
  return [...(shared ? [shared] : []), ...(notice ? [notice] : []), ...orphanedWarnings(r, next, snapshot)];
}

/** A cluster policy named as the built-in one writes the same graphdata.io/injected reference: say so once, at CREATE. */
function sharedReferenceWarning(r: ValidationHead): string | undefined {
  if (r.operation !== 'CREATE' || r.kind !== 'ClusterGraphDataPolicy' || r.name !== BUILT_IN_POLICY_NAME)
    return undefined;
  return (
    `graphdata: pods this policy injects record ClusterGraphDataPolicy/${BUILT_IN_POLICY_NAME}, as pods the built-in ` +
    'policy injected do, so their graphdata.io/injected record cannot say which one it was; another name avoids that'
  );
}

/** An answered /validate review as plain data (see MutationRecord). */
export interface ValidationRecord {
  reply: string;
  seconds: number;
  outcome: ValidationOutcome;
  isDryRun: DryRunFlag;
  kind: string;
  /** [rule, action, count]. */
  violations: [string, 'denied' | 'warned', number][];
  warningCodes: [string, number][];
  log: Record<string, unknown>;
  error?: Error;
}

export function validationRecord(head: ValidationHead, result: ValidationResult, seconds: number): ValidationRecord {
  const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  const violations = new Map<string, number>();
  const codes = new Map<string, number>();
  for (const f of result.verdict?.denials ?? []) count(violations, `denied\0${f.rule}`);
  for (const f of result.verdict?.warnings ?? []) {
    count(violations, `warned\0${f.rule}`);
    count(codes, f.diagnostic.code);
  }
  return {
    reply: reviewJson(result.response),
    seconds,
    outcome: result.outcome,
    isDryRun: head.isDryRun,
    kind: head.kind,
    violations: [...violations].map(([key, n]) => {
      const [action, rule] = key.split('\0') as ['denied' | 'warned', string];
      return [rule, action, n];
    }),
    warningCodes: [...codes],
    log: {
      uid: head.uid,
      namespace: head.namespace,
      name: head.name,
      kind: head.kind,
      operation: head.operation,
      outcome: result.outcome,
      denied: result.verdict?.denials.map((f) => f.diagnostic.code),
      dryRun: head.isDryRun,
      ms: +(seconds * 1000).toFixed(3),
    },
    ...(result.error ? { error: result.error } : {}),
  };
}

/**
 * The parsed review answered: the same function on the event loop and in the admission
 * worker. `extraWarnings` are the policy-object notices, added when the object is admitted.
 */
export function answerValidation(
  admission: AdmissionRequest,
  policy: Policy,
  opts: InjectOptions,
  extraWarnings: readonly string[],
  started: bigint,
  podOptIn?: PodOptInScope,
): ValidationRecord {
  const head = validationHead(admission);
  const result = validate(admission, policy, opts, podOptIn);
  if (extraWarnings.length && result.response.allowed)
    result.response.warnings = [...(result.response.warnings ?? []), ...extraWarnings];
  return validationRecord(head, result, secondsSince(started));
}

export function recordValidation(metrics: Metrics, log: AdmissionLog, record: ValidationRecord): void {
  metrics.duration.observe({ webhook: 'validate' }, record.seconds);
  metrics.requests.inc({ webhook: 'validate', outcome: record.outcome, dry_run: String(record.isDryRun) });
  for (const [rule, action, n] of record.violations) metrics.violations.inc({ rule, action, kind: record.kind }, n);
  for (const [code, n] of record.warningCodes) metrics.warnings.inc({ code }, n);
  if (record.error) log.error({ ...record.log, err: record.error }, 'validation failed; denied');
  else log.info(record.log, 'validation');
}
