// Which policy a namespace is audited against: the choice the webhook's policy store
// makes (policies/policy-set.ts `compilePolicies`: the oldest ClusterGraphDataPolicy
// that compiles, each namespace's GraphDataPolicy laid over it unless it loosens it),
// from the policy objects listed once at the start of the audit. Pure.
import type { Policy } from '../../policies/model.js';
import { compilePolicies, type PolicyObject } from '../../policies/policy-set.js';

export interface PolicySelection {
  /** Where the cluster policy comes from, for the report. */
  source: string;
  policyFor(namespace: string): Policy;
  /** Policy objects not in effect, and why: the message their Ready condition carries. */
  notes: string[];
}

export function selectPolicies(
  clusterObjects: readonly unknown[],
  namespaceObjects: readonly unknown[],
  fallback: { policy: Policy; source: string },
): PolicySelection {
  const { snapshot, statuses } = compilePolicies({
    clusterObjects: clusterObjects as PolicyObject[],
    namespaceObjects: namespaceObjects as PolicyObject[],
    fallback: fallback.policy,
    fallbackSource: fallback.source,
    generation: 1,
  });
  const notes = statuses.flatMap((s) => {
    const ready = s.status.conditions.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'True') return [];
    return [`${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name} is not used: ${ready.message}`];
  });
  return { source: snapshot.source, policyFor: (namespace) => snapshot.policyFor(namespace), notes };
}
