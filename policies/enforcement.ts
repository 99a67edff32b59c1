// Enforcement: what the validating webhook decides for one object, from the same rules
// and Diagnostics `validate` prints. A finding of a rule in Enforce mode with severity
// error denies; everything else reported is a warning. Pure: the webhook turns the
// verdict into an AdmissionReview response.
import type { Diagnostic } from './diagnostics.js';
import type { InjectOptions } from './engine.js';
import { notInjectedDiagnostic } from './injection-check.js';
import type { Pod } from './k8s.js';
import type { Policy } from './model.js';
import { NOT_INJECTED, ruleMode } from './rule-codes.js';
import { checkObjectByRule, ruleContext, type RuleFinding } from './rules/index.js';
import { policyDocumentRule } from './rules/policy-document.js';
import { isObject } from './rules/types.js';

/** Findings on a graphdata policy document (never Audit: a broken policy is unusable). */
export const POLICY_RULE = policyDocumentRule.code;

export interface Verdict {
  allowed: boolean;
  /** Enforce-mode errors: the reasons for a denial. */
  denials: RuleFinding[];
  /** Audit-mode findings and warnings: admitted, shown to the user. */
  warnings: RuleFinding[];
}

export interface EnforceInput {
  object: unknown;
  /** The stored object, on UPDATE: what it already broke is not a reason to deny (finalizers must still come off). */
  oldObject?: unknown;
  operation: 'CREATE' | 'UPDATE';
  /** Passed to the injection check, exactly as the mutating side gets it. */
  inject?: InjectOptions;
}

const findingKey = (f: RuleFinding): string =>
  `${f.rule}\u0000${f.diagnostic.code}\u0000${f.diagnostic.path ?? ''}\u0000${f.diagnostic.message}`;

/** Every finding for one object under a policy, with its rule. */
export function findings(object: unknown, policy: Policy, input: Omit<EnforceInput, 'object'>): RuleFinding[] {
  if (!isObject(object)) return [];
  const scope = { namespace: input.inject?.namespace, namespaceLabels: input.inject?.namespaceLabels };
  const out = checkObjectByRule(object, ruleContext(policy, [object], scope));
  if (input.operation === 'CREATE' && object.kind === 'Pod' && (object.apiVersion ?? 'v1') === 'v1') {
    const missing = notInjectedDiagnostic(object as Pod, policy, input.inject);
    if (missing) out.push({ rule: NOT_INJECTED, diagnostic: missing });
  }
  return out;
}

/** Deny on an Enforce-mode error; warn on the rest; info is not reported. */
export function enforce(input: EnforceInput, policy: Policy): Verdict {
  const all = findings(input.object, policy, input);
  const existing =
    input.operation === 'UPDATE' && input.oldObject !== undefined
      ? new Set(findings(input.oldObject, policy, { ...input, operation: 'UPDATE' }).map(findingKey))
      : undefined;
  const denials: RuleFinding[] = [];
  const warnings: RuleFinding[] = [];
  for (const f of all) {
    if (f.diagnostic.severity === 'info') continue;
    const enforced =
      f.diagnostic.severity === 'error' &&
      (f.rule === POLICY_RULE || ruleMode(policy.spec, f.rule) === 'Enforce') &&
      !existing?.has(findingKey(f));
    (enforced ? denials : warnings).push(f);
  }
  return { allowed: denials.length === 0, denials, warnings };
}

/**
 * Denial lines in one message at most: an object with 100k containers breaking one rule
 * would otherwise get a message of megabytes, which the apiserver passes on to kubectl.
 */
export const MAX_DENIAL_LINES = 15;

/** The denial message: the lines `validate` prints for each Enforce finding, the rest counted. */
export const denialMessage = (denials: readonly RuleFinding[], format: (d: Diagnostic) => string): string => {
  const lines = denials.slice(0, MAX_DENIAL_LINES).map((f) => format(f.diagnostic));
  const more = denials.length - lines.length;
  if (more > 0) lines.push(`… and ${more} more; kubectl graphdata validate lists them all`);
  return lines.join('\n');
};
