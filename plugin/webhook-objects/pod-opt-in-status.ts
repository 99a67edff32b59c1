// `status`: where pod-level opt-in is allowed, read from the ClusterGraphDataPolicy in
// effect (the oldest, as the webhook chooses it) and the namespaces' labels. Pure.
import { formatSelector, matchesSelector } from '../../policies/label-selector.js';
import type { LabelSelector } from '../../policies/model.js';
import { OPT_IN_VALUE } from '../../policies/pod-opt-in.js';
import { LABEL_INJECT } from '../../policies/model.js';
import { SYSTEM_NAMESPACES } from './registration.js';

export interface PodOptInStatus {
  /** `ClusterGraphDataPolicy NAME`, or the built-in policy (which allows it nowhere). */
  policy: string;
  /** The selector as kubectl prints it; absent: nowhere. */
  selector?: string;
  /** Namespaces where a labelled pod is served by the pod-level entries (not opted in, not excluded). */
  namespaces: string[];
}

interface ClusterPolicyItem {
  metadata: { name: string; creationTimestamp?: string | Date };
  spec?: { podOptIn?: { namespaceSelector?: LabelSelector } };
}
interface NamespaceItem {
  metadata?: { name?: string; labels?: Record<string, string>; deletionTimestamp?: unknown };
}

export function podOptInStatus(
  clusterPolicies: readonly ClusterPolicyItem[],
  namespaces: readonly NamespaceItem[],
  ownNamespace: string,
): PodOptInStatus {
  const time = (p: ClusterPolicyItem) => new Date(p.metadata.creationTimestamp ?? 0).getTime();
  const inEffect = [...clusterPolicies].sort(
    (a, b) => time(a) - time(b) || a.metadata.name.localeCompare(b.metadata.name),
  )[0];
  if (!inEffect) return { policy: 'the built-in policy', namespaces: [] };
  const policy = `ClusterGraphDataPolicy ${inEffect.metadata.name}`;
  const selector = inEffect.spec?.podOptIn?.namespaceSelector;
  if (!selector) return { policy, namespaces: [] };
  const excluded = new Set([...SYSTEM_NAMESPACES, ownNamespace]);
  const allowed = namespaces
    .filter((n) => {
      const name = n.metadata?.name;
      const labels: Record<string, string> = { ...n.metadata?.labels, 'kubernetes.io/metadata.name': name ?? '' };
      return (
        name &&
        !excluded.has(name) &&
        !n.metadata?.deletionTimestamp &&
        labels[LABEL_INJECT] !== OPT_IN_VALUE &&
        matchesSelector(selector, labels)
      );
    })
    .map((n) => n.metadata!.name!)
    .sort();
  return { policy, selector: formatSelector(selector), namespaces: allowed };
}
