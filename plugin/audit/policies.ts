// Which policy a namespace is audited against, from the policy objects in the cluster,
// by the rules of docs/design.md: one ClusterGraphDataPolicy in effect and one
// GraphDataPolicy per namespace (the oldest by creationTimestamp, then by name, among
// those that compile), the namespace's laid over the cluster's unless it loosens it
// (policies/layering.ts). Pure.
import {
  checkLayering,
  effectivePolicy,
  namespacePolicyFromObject,
  type NamespacePolicy,
} from '../../policies/layering.js';
import type { Policy } from '../../policies/model.js';
import { policyFromObject } from '../../policies/policy-loader.js';

interface Meta {
  name?: string;
  namespace?: string;
  creationTimestamp?: string;
}
const metaOf = (o: unknown): Meta => ((o as { metadata?: Meta } | null)?.metadata ?? {}) as Meta;

/** Oldest first, then by name: the order in which a policy wins. */
function byAge(a: unknown, b: unknown): number {
  const [ma, mb] = [metaOf(a), metaOf(b)];
  const ta = ma.creationTimestamp ?? '';
  const tb = mb.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (ma.name ?? '') < (mb.name ?? '') ? -1 : (ma.name ?? '') > (mb.name ?? '') ? 1 : 0;
}

export interface PolicySelection {
  cluster: Policy;
  /** Where the cluster policy comes from, for the report. */
  source: string;
  namespaced: ReadonlyMap<string, NamespacePolicy>;
  /** What the user should know: policies not in effect, not compiling, loosening. */
  notes: string[];
}

export function selectPolicies(
  clusterObjects: readonly unknown[],
  namespaceObjects: readonly unknown[],
  fallback: { policy: Policy; source: string },
): PolicySelection {
  const notes: string[] = [];
  let cluster: Policy | undefined;
  let source = fallback.source;
  const sorted = [...clusterObjects].sort(byAge);
  for (const object of sorted) {
    const { policy, diagnostics } = policyFromObject(object);
    const name = metaOf(object).name ?? '(unnamed)';
    if (!policy) {
      notes.push(`ClusterGraphDataPolicy ${name} does not compile (${diagnostics[0]?.message ?? 'invalid'}); not used`);
      continue;
    }
    if (cluster) {
      notes.push(`ClusterGraphDataPolicy ${name} is not in effect (${cluster.name} is older)`);
      continue;
    }
    cluster = policy;
    source = `ClusterGraphDataPolicy ${name}`;
  }
  const namespaced = new Map<string, NamespacePolicy>();
  for (const object of [...namespaceObjects].sort(byAge)) {
    const meta = metaOf(object);
    const { policy, diagnostics } = namespacePolicyFromObject(object);
    if (!policy) {
      notes.push(
        `GraphDataPolicy ${meta.namespace}/${meta.name} does not compile (${diagnostics[0]?.message ?? 'invalid'}); not used`,
      );
      continue;
    }
    const winner = namespaced.get(policy.namespace);
    if (winner) {
      notes.push(`GraphDataPolicy ${policy.namespace}/${policy.name} is not in effect (${winner.name} is older)`);
      continue;
    }
    namespaced.set(policy.namespace, policy);
  }
  const effectiveCluster = cluster ?? fallback.policy;
  for (const nsPolicy of namespaced.values()) {
    const loosens = checkLayering(effectiveCluster, nsPolicy);
    if (loosens.length)
      notes.push(
        `GraphDataPolicy ${nsPolicy.namespace}/${nsPolicy.name} loosens the cluster policy (${loosens[0]!.path}); ` +
          `namespace ${nsPolicy.namespace} is audited against the cluster policy alone`,
      );
  }
  return { cluster: effectiveCluster, source, namespaced, notes };
}

/** The policy a namespace's objects are checked against. */
export function policyForNamespace(selection: PolicySelection, namespace: string): Policy {
  const nsPolicy = selection.namespaced.get(namespace);
  if (!nsPolicy || checkLayering(selection.cluster, nsPolicy).length) return selection.cluster;
  return effectivePolicy(selection.cluster, nsPolicy);
}
