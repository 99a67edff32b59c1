// The policy the webhook would use, read by the plugin's cluster commands (explain pod/NAME,
// audit, doctor): the ClusterGraphDataPolicy and GraphDataPolicy objects listed once and
// compiled by the webhook's policy store's own code (policies/policy-set.ts
// `compilePolicies`: the oldest ClusterGraphDataPolicy that compiles, each namespace's
// GraphDataPolicy laid over it unless it loosens it, the fallback when there is none).
import type { KubeConfig } from '@kubernetes/client-node';
import { policyRef } from '../../policies/engine.js';
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { GROUP, type Policy } from '../../policies/model.js';
import { compilePolicies, type NamespaceLabels, type PolicyObject } from '../../policies/policy-set.js';

const VERSION = 'v1alpha1';
const CLUSTER_PLURAL = 'clustergraphdatapolicies';
const NAMESPACE_PLURAL = 'graphdatapolicies';

export interface PolicyFallback {
  /** The built-in policy, as the webhook uses it when no ClusterGraphDataPolicy is usable. */
  policy: Policy;
  /** How users see it named, e.g. `ClusterGraphDataPolicy/default (built-in)`. */
  name: string;
  /** Where it comes from, for a report's summary line. */
  source: string;
}

export interface PolicySelection {
  /** Where the cluster policy comes from, for the report. */
  source: string;
  /** The cluster policy in effect: a ClusterGraphDataPolicy, or the fallback. */
  cluster: Policy;
  /** Its name for users, as policyName gives it. */
  clusterName: string;
  /** metadata.name of every ClusterGraphDataPolicy read, in effect or not. */
  clusterPolicyNames: readonly string[];
  /** The effective policy of a namespace, as the webhook's snapshot would give it. */
  policyFor(namespace: string): Policy;
  /**
   * The policy that decides in a namespace, named for users: its reference, or the
   * fallback's name, and the cluster policy's namespaceOverrides applied there.
   */
  policyName(namespace: string): string;
  /** Policy objects not in effect and why (their Ready message), and objects that could not be read. */
  notes: string[];
}

/** Compiles listed policy objects as the webhook's policy store does. Pure. */
export function selectPolicies(
  clusterObjects: readonly unknown[],
  namespaceObjects: readonly unknown[],
  fallback: PolicyFallback,
  readNotes: readonly string[] = [],
  namespaceLabels?: NamespaceLabels,
): PolicySelection {
  const { snapshot, statuses } = compilePolicies({
    clusterObjects: clusterObjects as PolicyObject[],
    namespaceObjects: namespaceObjects as PolicyObject[],
    fallback: fallback.policy,
    fallbackSource: fallback.source,
    generation: 1,
    ...(namespaceLabels ? { namespaceLabels } : {}),
  });
  const notes = statuses.flatMap((s) => {
    const ready = s.status.conditions.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'True') return [];
    return [`${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name} is not used: ${ready.message}`];
  });
  const policyFor = (namespace: string) => snapshot.policyFor(namespace);
  const nameOf = (policy: Policy) => (policy === fallback.policy ? fallback.name : policyRef(policy));
  // The namespaceOverrides laid over the cluster policy there, named after whatever decides.
  const overridesOf = (namespace: string) => {
    const applied = snapshot.basePolicyFor(namespace).overrides ?? [];
    return applied.length ? ` with namespaceOverrides ${applied.join(', ')}` : '';
  };
  const policyName = (namespace: string) => {
    const base = snapshot.basePolicyFor(namespace);
    const decides = policyFor(namespace);
    const named = decides === base ? nameOf(snapshot.cluster) : nameOf(decides);
    return `${named}${decides === base ? overridesOf(namespace) : overridesOf(namespace).replace(' with ', ' over ')}`;
  };
  return {
    source: snapshot.source,
    cluster: snapshot.cluster,
    clusterName: nameOf(snapshot.cluster),
    clusterPolicyNames: (clusterObjects as PolicyObject[]).map((o) => o.metadata?.name ?? ''),
    policyFor,
    policyName,
    notes: [...readNotes, ...notes],
  };
}

/** The built-in policy as the fallback, named as `status` and `version` name it. */
export const builtInFallback = (policy: Policy, source: string = BUILT_IN_POLICY): PolicyFallback => ({
  policy,
  name: BUILT_IN_POLICY,
  source,
});

/** `--policy FILE` in place of the cluster's objects: that policy in every namespace, named by its reference. */
export const filePolicySelection = (policy: Policy, file: string): PolicySelection =>
  selectPolicies([], [], { policy, name: policyRef(policy), source: `policy ${file}` });

/** An error client-node throws for an HTTP answer: its status code. */
const statusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

export interface ReadOptions {
  /** Only this namespace's GraphDataPolicies (what a tenant may list); every namespace when undefined. */
  namespace?: string | undefined;
  /** Objects per list request (limit/continue). */
  chunkSize?: number;
  /** Who is reading, for the notes: `explained`, `audited`, `checked`. */
  verb: string;
}

/**
 * Lists both kinds, page by page. A kind whose CRD is not installed has no objects (as in
 * the webhook). A kind the user may not list is left out, with a note naming the missing
 * permission and what is used instead; any other failure is thrown.
 */
export async function readPolicyObjects(
  kc: KubeConfig,
  opts: ReadOptions,
): Promise<{ clusterObjects: unknown[]; namespaceObjects: unknown[]; notes: string[] }> {
  const k8s = await import('@kubernetes/client-node');
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const notes: string[] = [];
  const limit = opts.chunkSize ?? 500;
  const list = async (plural: string, namespace?: string): Promise<unknown[] | 'forbidden'> => {
    const objects: unknown[] = [];
    let token: string | undefined;
    try {
      do {
        const page = (await (namespace === undefined
          ? api.listClusterCustomObject({ group: GROUP, version: VERSION, plural, limit, _continue: token })
          : api.listNamespacedCustomObject({
              group: GROUP,
              version: VERSION,
              namespace,
              plural,
              limit,
              _continue: token,
            }))) as { items?: unknown[]; metadata?: { continue?: string } };
        objects.push(...(Array.isArray(page.items) ? page.items : []));
        token = page.metadata?.continue || undefined;
      } while (token);
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return []; // the CRD is not installed: no objects of this kind
      if (status === 403) return 'forbidden';
      throw error;
    }
    return objects;
  };
  const clusterObjects = await list(CLUSTER_PLURAL);
  if (clusterObjects === 'forbidden')
    notes.push(
      `cannot list ${CLUSTER_PLURAL}.${GROUP} (forbidden): your user needs RBAC list on ${CLUSTER_PLURAL} ` +
        `(API group ${GROUP}, cluster-wide) to see the cluster policy the webhook uses; ${opts.verb} with the ` +
        'built-in policy in its place, which may not be what the webhook decides',
    );
  const namespaceObjects = await list(NAMESPACE_PLURAL, opts.namespace);
  if (namespaceObjects === 'forbidden')
    notes.push(
      `cannot list ${NAMESPACE_PLURAL}.${GROUP}${opts.namespace ? ` in namespace ${opts.namespace}` : ''} ` +
        `(forbidden): your user needs RBAC list on ${NAMESPACE_PLURAL} (API group ${GROUP}` +
        `${opts.namespace ? ` in ${opts.namespace}` : ', every namespace'}; the graphdata-policy-view ClusterRole, ` +
        `aggregated into view, grants it); ${opts.verb} without namespace policies`,
    );
  return {
    clusterObjects: clusterObjects === 'forbidden' ? [] : clusterObjects,
    namespaceObjects: namespaceObjects === 'forbidden' ? [] : namespaceObjects,
    notes,
  };
}

/** The policy objects read from the cluster and compiled: what the webhook would decide with. */
export async function clusterPolicies(
  kc: KubeConfig,
  fallback: PolicyFallback,
  opts: ReadOptions & { namespaceLabels?: NamespaceLabels },
): Promise<PolicySelection> {
  const { clusterObjects, namespaceObjects, notes } = await readPolicyObjects(kc, opts);
  return selectPolicies(clusterObjects, namespaceObjects, fallback, notes, opts.namespaceLabels);
}
