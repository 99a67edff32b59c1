// The audit itself: every object of every listed page through the decision POST
// /validate makes at CREATE (policies/enforcement.ts `enforce`, safety net included),
// in the namespaces the validating webhook covers. Objects are looked at once and let go:
// only the findings and counters outlive a page.
import { enforce } from '../../policies/enforcement.js';
import type { RuntimeLookup } from '../../policies/fluid-runtime.js';
import { LABEL_INJECT, type Policy } from '../../policies/model.js';
import { hasOptInLabel, POD_OPT_IN_RULE, podOptInGate, type PodOptInScope } from '../../policies/pod-opt-in.js';
import { NOT_INJECTED } from '../../policies/rule-codes.js';

export type Action = 'deny' | 'warn';

export interface Violation {
  namespace: string;
  kind: string;
  name: string;
  /** The policy that decides in the namespace (its GraphDataPolicy over the cluster's, when it has one). */
  policy?: string;
  /** deny: an Enforce rule the object breaks (/validate would deny it); warn: an Audit finding or a warning. */
  action: Action;
  rule: string;
  code: string;
  message: string;
  path?: string;
  hint?: string;
}

/** What the scan needs to know about a namespace; undefined: the validating webhook does not cover it. */
export interface NamespaceScope {
  policy: Policy;
  labels?: Readonly<Record<string, string>>;
  /** Fluid mode: the AlluxioRuntimes (and Datasets) of the cluster, as the webhook's informers hold them. */
  runtimes?: RuntimeLookup;
  /**
   * A namespace that is not opted in: only pods labelled graphdata.io/inject=enabled are
   * covered (the pod-level entry), judged as /validate/pod-opt-in judges them.
   */
  podLevel?: PodOptInScope;
  /** The name of the policy that decides here, for users (PolicySelection.policyName). */
  policyName?: string;
  /** When the namespace's opt-in label was last written (RFC 3339), when known. */
  optedInAt?: string;
}

export interface AuditSource {
  kind: string;
  apiVersion: string;
  pages: AsyncIterable<unknown[]>;
}

export interface KindCount {
  kind: string;
  scanned: number;
  /** Listed but in a namespace the webhook does not cover. */
  outOfScope: number;
}

export interface AuditSummary {
  scanned: number;
  denied: number;
  warned: number;
  kinds: KindCount[];
  /** Violations by rule code: how often each rule is broken. */
  rules: Record<string, { deny: number; warn: number }>;
}

export interface AuditHooks {
  scope(namespace: string): NamespaceScope | undefined;
  /** The violations found in one page, as soon as it is checked. */
  onViolations(violations: Violation[]): void;
  /** Each object checked, by namespace. */
  onScanned?(namespace: string): void;
  /** After each page: running totals. */
  onProgress?(kind: string, summary: AuditSummary): void;
}

const metadataOf = (o: Record<string, unknown>) =>
  (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as { name?: unknown; namespace?: unknown };

/** The violations of one object under its namespace's policy. */
export function auditObject(object: Record<string, unknown>, scope: NamespaceScope): Violation[] {
  const meta = metadataOf(object);
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const gate = scope.podLevel ? podOptInGate(scope.podLevel, 'CREATE', object, undefined) : 'judge';
  if (gate !== 'judge' && gate !== 'skip') {
    const base = { namespace, kind: String(object.kind), name: typeof meta.name === 'string' ? meta.name : '' };
    return [
      { ...base, action: 'deny', rule: POD_OPT_IN_RULE, code: gate.code, message: gate.message, hint: gate.hint! },
    ];
  }
  const verdict = enforce(
    {
      object,
      operation: 'CREATE',
      inject: {
        namespace,
        ...(scope.labels ? { namespaceLabels: scope.labels } : {}),
        ...(scope.runtimes ? { runtimes: scope.runtimes } : {}),
      },
    },
    scope.policy,
  );
  const base = {
    namespace,
    kind: String(object.kind),
    name: typeof meta.name === 'string' ? meta.name : '',
    ...(scope.policyName ? { policy: scope.policyName } : {}),
  };
  const beforeOptIn = createdBeforeOptIn(object, scope);
  const out: Violation[] = [];
  for (const [action, findings] of [
    ['deny', verdict.denials],
    ['warn', verdict.warnings],
  ] as const)
    for (const { rule, diagnostic: d } of findings) {
      const missed = d.code === NOT_INJECTED && beforeOptIn;
      out.push({
        ...base,
        action,
        rule,
        code: d.code,
        message: missed ? `${d.message}; created before opt-in` : d.message,
        ...(d.path ? { path: d.path } : {}),
        ...(missed ? { hint: beforeOptIn } : d.hint ? { hint: d.hint } : {}),
      });
    }
  return out;
}

/**
 * Why a pod was never injected when it is older than its namespace's opt-in: the webhook
 * only sees pods created in an opted-in namespace, so it did not fail, it was never asked.
 * Undefined when the pod is not older (or either time is unknown): then the webhook was
 * down, timed out, or was not yet installed.
 */
function createdBeforeOptIn(object: Record<string, unknown>, scope: NamespaceScope): string | undefined {
  const created = (object.metadata as { creationTimestamp?: unknown } | undefined)?.creationTimestamp;
  if (object.kind !== 'Pod' || typeof created !== 'string' || !scope.optedInAt) return undefined;
  const [pod, optIn] = [Date.parse(created), Date.parse(scope.optedInAt)];
  if (!(pod < optIn)) return undefined;
  return (
    `created at ${created}, before the namespace's ${LABEL_INJECT}=enabled label was last written (${scope.optedInAt}, ` +
    `its managedFields), so the webhook most likely never saw it: it sees only pods created in an opted-in namespace. Delete it so its controller creates it again, injected, ` +
    `or opt it out with label ${LABEL_INJECT}=false`
  );
}

export async function audit(sources: Iterable<AuditSource>, hooks: AuditHooks): Promise<AuditSummary> {
  const summary: AuditSummary = { scanned: 0, denied: 0, warned: 0, kinds: [], rules: {} };
  for (const source of sources) {
    const count: KindCount = { kind: source.kind, scanned: 0, outOfScope: 0 };
    summary.kinds.push(count);
    for await (const items of source.pages) {
      const found: Violation[] = [];
      for (const item of items) {
        if (typeof item !== 'object' || item === null) continue;
        // Items of a list carry neither kind nor apiVersion; /validate always sees both.
        const object = { apiVersion: source.apiVersion, kind: source.kind, ...(item as Record<string, unknown>) };
        const namespace = metadataOf(object).namespace;
        const scope = typeof namespace === 'string' ? hooks.scope(namespace) : undefined;
        // Outside opted-in namespaces only labelled pods are covered (the pod-level entry).
        if (!scope || (scope.podLevel && !(source.kind === 'Pod' && hasOptInLabel(object)))) {
          count.outOfScope++;
          continue;
        }
        count.scanned++;
        summary.scanned++;
        hooks.onScanned?.(namespace as string);
        for (const v of auditObject(object, scope)) {
          found.push(v);
          summary[v.action === 'deny' ? 'denied' : 'warned']++;
          const rule = (summary.rules[v.rule] ??= { deny: 0, warn: 0 });
          rule[v.action]++;
        }
      }
      if (found.length) hooks.onViolations(found);
      hooks.onProgress?.(source.kind, summary);
    }
  }
  return summary;
}
