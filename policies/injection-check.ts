// "Was this pod fully injected per policy?" — the safety net behind a mutating webhook
// that fails open. Decided by content: the mutators are idempotent, so running them
// again on an injected pod changes nothing; whatever they would still add is missing.
// The `graphdata.io/injected` annotation is never consulted (anyone can write it).
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { inject, policyRef, type InjectOptions } from './engine.js';
import type { Pod } from './k8s.js';
import { ANNOTATION_INJECTED, LABEL_INJECT, type Policy } from './model.js';
import type { Action } from './mutators/index.js';
import { NOT_INJECTED, ruleMode } from './rule-codes.js';
import type { MutatorName, WorkloadName } from './workloads.js';

/** What the safety net requires; images (tags, mirrors) are conveniences, checked by the registry limit instead. */
const REQUIRED: ReadonlySet<MutatorName> = new Set(['client-jar', 'client-config', 'domain-socket', 'placement']);

export interface InjectionCheck {
  workload?: WorkloadName;
  /** Why the check does not apply (not a workload, opted out, no target container), when it does not. */
  skipped?: string;
  /** What the mutators would still add: empty when the pod carries everything the policy requires. */
  missing: Action[];
}

// A preference is not a requirement: a pod without it still reads its data correctly.
const isRequirement = (a: Action): boolean => REQUIRED.has(a.mutator) && !a.subject.startsWith('preferred ');

export function checkInjected(pod: Pod, policy: Policy, opts: InjectOptions = {}): InjectionCheck {
  const labels = pod.metadata?.labels ?? {};
  if (labels[LABEL_INJECT] === 'false') return { skipped: `the pod has label ${LABEL_INJECT}=false`, missing: [] };
  // Judge the content, not the record: drop the annotation before asking the engine.
  const probe = structuredClone(pod);
  if (probe.metadata?.annotations) delete probe.metadata.annotations[ANNOTATION_INJECTED];
  const result = inject(probe, policy, opts);
  if (result.status !== 'injected' && result.status !== 'nothing-to-do') {
    return { ...(result.workload ? { workload: result.workload } : {}), skipped: result.reason, missing: [] };
  }
  return {
    ...(result.workload ? { workload: result.workload } : {}),
    // What the mutators would still add, and what they could not (Fluid mode without a ready runtime).
    missing: result.actions.filter((a) => (a.outcome === 'applied' || a.unmet) && isRequirement(a)),
  };
}

/** The safety net's finding for a pod, or none: severity from the `not-injected` rule mode (default Enforce). */
export function notInjectedDiagnostic(pod: Pod, policy: Policy, opts: InjectOptions = {}): Diagnostic | undefined {
  const check = checkInjected(pod, policy, opts);
  if (check.missing.length === 0) return undefined;
  const parts = [
    ...new Set(check.missing.map((a) => `${a.mutator} (${a.subject}${a.unmet && a.reason ? `: ${a.reason}` : ''})`)),
  ];
  // A requirement the engine itself could not meet has its own fix; otherwise the webhook did not run.
  const unmet = check.missing.find((a) => a.unmet && a.hint);
  return diagnostic(
    ruleMode(policy.spec, NOT_INJECTED) === 'Enforce' ? 'error' : 'warning',
    NOT_INJECTED,
    `${check.workload} pod was not injected as ${policyRef(policy)} requires: missing ${parts.join(', ')}`,
    {
      path: 'spec',
      hint: unmet
        ? `${unmet.hint}; or opt the pod out with label ${LABEL_INJECT}=false`
        : `the graphdata mutating webhook did not run (down or timed out): create the pod again once it answers, or opt the pod out with label ${LABEL_INJECT}=false`,
    },
  );
}
