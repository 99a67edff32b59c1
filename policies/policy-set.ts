// The policy objects of a cluster, compiled: which ClusterGraphDataPolicy and which
// GraphDataPolicy per namespace are in effect, each namespace's effective policy, and
// the status every object should show. Pure: the webhook's informers feed it, and the
// snapshot it returns is never changed afterwards (a request reads one, never a mix).
import { formatDiagnostic, type Diagnostic } from './diagnostics.js';
import {
  applyNamespaceOverrides,
  checkLayering,
  checkNamespaceOverrides,
  effectivePolicy,
  NAMESPACE_NAME_LABEL,
  namespacePolicyFromObject,
  type NamespacePolicy,
} from './layering.js';
import type { Policy, PolicyKind } from './model.js';
import { policyFromObject } from './policy-loader.js';

/** A policy object as the API returns it. */
export interface PolicyObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    creationTimestamp?: string | Date;
    resourceVersion?: string;
  };
  spec?: unknown;
  status?: unknown;
}

export type ConditionType = 'Ready' | 'Invalid';

export interface PolicyCondition {
  type: ConditionType;
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** What the webhook writes to `status` (lastTransitionTime is added by the writer). */
export interface PolicyStatus {
  observedGeneration: number;
  conditions: PolicyCondition[];
}

export interface PolicyObjectStatus {
  kind: PolicyKind;
  name: string;
  namespace?: string;
  object: PolicyObject;
  status: PolicyStatus;
}

/** One consistent view of the policies: what every admission request reads. */
export interface PolicySnapshot {
  /** Counts the snapshots this process has made; 1 for a policy file. */
  readonly generation: number;
  /** The cluster policy in effect: a ClusterGraphDataPolicy, or the built-in / --policy one when there is none. */
  readonly cluster: Policy;
  /** Where `cluster` came from, for logs and /readyz. */
  readonly source: string;
  /** The name of the ClusterGraphDataPolicy in effect; undefined while the built-in / --policy one applies. */
  readonly clusterPolicyName?: string;
  /**
   * The effective policy for a namespace: the cluster policy, its namespaceOverrides that
   * select the namespace, then the namespace's GraphDataPolicy. One map lookup once computed.
   */
  policyFor(namespace: string | undefined): Policy;
  /** The cluster policy as a namespace sees it (its namespaceOverrides applied): what a GraphDataPolicy there may only tighten. */
  basePolicyFor(namespace: string): Policy;
  /** The labels namespaceOverrides select a namespace by (its name label at least). */
  labelsOf(namespace: string): Readonly<Record<string, string>>;
  /** The GraphDataPolicy in effect in a namespace, if any. */
  namespacePolicy(namespace: string): NamespacePolicy | undefined;
  /** The GraphDataPolicy chosen in each namespace, applied or not (one that loosens the cluster policy is not). */
  readonly chosenNamespacePolicies: readonly NamespacePolicy[];
}

/** Namespace labels as the snapshot reads them; undefined while a namespace is unknown. */
export type NamespaceLabels = (namespace: string) => Readonly<Record<string, string>> | undefined;

/**
 * `cluster` as each namespace sees it, memoised per namespace for the snapshot's life. A
 * namespace whose labels are unknown is known by its name label, which the apiserver sets.
 */
const labelsWithName = (labels: NamespaceLabels | undefined, ns: string): Readonly<Record<string, string>> => ({
  ...labels?.(ns),
  [NAMESPACE_NAME_LABEL]: ns,
});

function overriddenPerNamespace(cluster: Policy, labels: NamespaceLabels | undefined): (ns: string) => Policy {
  if (!cluster.spec.namespaceOverrides?.length) return () => cluster;
  const memo = new Map<string, Policy>();
  return (ns) => {
    let policy = memo.get(ns);
    if (!policy) {
      policy = applyNamespaceOverrides(cluster, labelsWithName(labels, ns)).policy;
      memo.set(ns, policy);
    }
    return policy;
  };
}

/** A snapshot of one policy for every namespace (a policy file, tests); its namespaceOverrides select by name. */
export function staticSnapshot(policy: Policy, source: string, generation = 1): PolicySnapshot {
  const base = overriddenPerNamespace(policy, undefined);
  return Object.freeze({
    generation,
    cluster: policy,
    source,
    policyFor: (namespace: string | undefined) => (namespace === undefined ? policy : base(namespace)),
    basePolicyFor: base,
    labelsOf: (namespace: string) => labelsWithName(undefined, namespace),
    namespacePolicy: () => undefined,
    chosenNamespacePolicies: [],
  });
}

interface Compiled {
  generation: number;
  diagnostics: Diagnostic[];
  /** This generation, when it compiled. */
  current?: Policy | NamespacePolicy;
  /** The newest generation that compiled: stays in effect while a later one is invalid. */
  lastGood?: Policy | NamespacePolicy;
}

/** Carried from one compile to the next: parse results and last good versions by object. */
export interface CompileState {
  readonly compiled: ReadonlyMap<string, Compiled>;
}

export const EMPTY_STATE: CompileState = { compiled: new Map() };

export interface CompileInput {
  clusterObjects: readonly PolicyObject[];
  namespaceObjects: readonly PolicyObject[];
  /** The cluster policy when no ClusterGraphDataPolicy is usable. */
  fallback: Policy;
  fallbackSource: string;
  generation: number;
  previous?: CompileState;
  /** Labels of the cluster's namespaces, for namespaceOverrides; read while compiling and by the snapshot. */
  namespaceLabels?: NamespaceLabels;
}

export interface CompileResult {
  snapshot: PolicySnapshot;
  statuses: PolicyObjectStatus[];
  state: CompileState;
}

/** Status messages stay readable in `kubectl describe` and far below etcd's limits. */
const MAX_MESSAGE = 2_000;
const clip = (text: string): string => (text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`);

const idOf = (o: PolicyObject, kind: PolicyKind): string =>
  o.metadata?.uid ?? `${kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const generationOf = (o: PolicyObject): number => Number(o.metadata?.generation ?? 1);
const createdAt = (o: PolicyObject): number => {
  const t = o.metadata?.creationTimestamp;
  const ms = t === undefined ? Number.NaN : new Date(t).getTime();
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
};
/** Oldest first, then by name: the Gateway API's conflict rule, the same on every replica. */
const byAge = (a: PolicyObject, b: PolicyObject): number =>
  createdAt(a) - createdAt(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

const findingsText = (ds: readonly Diagnostic[]): string =>
  ds
    .filter((d) => d.severity === 'error')
    .map((d) => formatDiagnostic(d).replace(/\n\s*/g, ' '))
    .join('; ');

function condition(type: ConditionType, ok: boolean, reason: string, message: string): PolicyCondition {
  return { type, status: ok ? 'True' : 'False', reason, message: clip(message) };
}

export function compilePolicies(input: CompileInput): CompileResult {
  const previous = input.previous?.compiled ?? new Map<string, Compiled>();
  const compiled = new Map<string, Compiled>();
  const compile = (o: PolicyObject, kind: PolicyKind): Compiled => {
    const id = idOf(o, kind);
    const generation = generationOf(o);
    const before = previous.get(id);
    let entry: Compiled;
    if (before && before.generation === generation) entry = before;
    else {
      const loaded = kind === 'ClusterGraphDataPolicy' ? policyFromObject(o) : namespacePolicyFromObject(o);
      const current = loaded.policy;
      entry = {
        generation,
        diagnostics: loaded.diagnostics,
        ...(current ? { current } : {}),
        ...((current ?? before?.lastGood) ? { lastGood: current ?? before?.lastGood } : {}),
      };
    }
    compiled.set(id, entry);
    return entry;
  };
  const statuses: PolicyObjectStatus[] = [];
  const push = (o: PolicyObject, kind: PolicyKind, ready: PolicyCondition, entry: Compiled) => {
    const invalid = entry.current
      ? condition('Invalid', false, 'Valid', 'the spec passes the policy schema')
      : condition('Invalid', true, 'SchemaInvalid', findingsText(entry.diagnostics));
    statuses.push({
      kind,
      name: o.metadata?.name ?? '',
      ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
      object: o,
      status: { observedGeneration: entry.generation, conditions: [ready, invalid] },
    });
  };
  const invalidReady = (entry: Compiled, inEffect: boolean) =>
    condition(
      'Ready',
      false,
      'Invalid',
      inEffect && entry.lastGood
        ? `generation ${entry.generation} is invalid (see the Invalid condition); generation ${entry.lastGood.generation} stays in effect`
        : `generation ${entry.generation} is invalid (see the Invalid condition) and not in effect`,
    );

  // The cluster policy: the oldest one that ever compiled.
  const clusters = [...input.clusterObjects]
    .sort(byAge)
    .map((o) => ({ o, entry: compile(o, 'ClusterGraphDataPolicy') }));
  const winner = clusters.find((c) => c.entry.lastGood);
  const cluster = (winner?.entry.lastGood as Policy | undefined) ?? input.fallback;
  const clusterRef = winner ? `ClusterGraphDataPolicy ${cluster.name}` : input.fallbackSource;
  const overrideProblems = checkNamespaceOverrides(cluster);
  const inEffectText =
    'in effect in every namespace, under any GraphDataPolicy there' +
    (overrideProblems.length
      ? `; namespaceOverrides that would loosen it are not applied: ${findingsText(overrideProblems)}`
      : '');
  for (const { o, entry } of clusters) {
    const inEffect = o === winner?.o;
    const ready = !entry.current
      ? invalidReady(entry, inEffect)
      : inEffect
        ? condition('Ready', true, 'InEffect', inEffectText)
        : condition(
            'Ready',
            false,
            'NotInEffect',
            `ClusterGraphDataPolicy ${winner?.o.metadata?.name} is in effect: one applies per cluster, the oldest`,
          );
    push(o, 'ClusterGraphDataPolicy', ready, entry);
  }

  // One GraphDataPolicy per namespace, laid over the cluster policy unless it would loosen it.
  const byNamespace = new Map<string, PolicyObject[]>();
  for (const o of input.namespaceObjects) {
    const ns = o.metadata?.namespace ?? '';
    const list = byNamespace.get(ns);
    if (list) list.push(o);
    else byNamespace.set(ns, [o]);
  }
  const baseFor = overriddenPerNamespace(cluster, input.namespaceLabels);
  const effective = new Map<string, Policy>();
  const inEffectByNs = new Map<string, NamespacePolicy>();
  const chosenList: NamespacePolicy[] = [];
  for (const [ns, objects] of byNamespace) {
    const candidates = objects.sort(byAge).map((o) => ({ o, entry: compile(o, 'GraphDataPolicy') }));
    const chosen = candidates.find((c) => c.entry.lastGood);
    const nsPolicy = chosen?.entry.lastGood as NamespacePolicy | undefined;
    if (nsPolicy) chosenList.push(nsPolicy);
    const base = baseFor(ns);
    const baseRef = base.overrides?.length
      ? `${clusterRef} with namespaceOverrides ${base.overrides.join(', ')}`
      : clusterRef;
    const loosens = nsPolicy ? checkLayering(base, nsPolicy) : [];
    if (nsPolicy && !loosens.length) {
      effective.set(ns, effectivePolicy(base, nsPolicy));
      inEffectByNs.set(ns, nsPolicy);
    }
    for (const { o, entry } of candidates) {
      const isChosen = o === chosen?.o;
      let ready: PolicyCondition;
      if (isChosen && loosens.length)
        ready = condition(
          'Ready',
          false,
          'LoosensClusterPolicy',
          `not in effect: namespace ${ns} gets ${baseRef} alone, because this policy would loosen it: ${findingsText(loosens)}`,
        );
      else if (!entry.current) ready = invalidReady(entry, isChosen);
      else if (isChosen) ready = condition('Ready', true, 'InEffect', `in effect in ${ns}, laid over ${baseRef}`);
      else
        ready = condition(
          'Ready',
          false,
          'NotInEffect',
          `GraphDataPolicy ${chosen?.o.metadata?.name} is in effect in ${ns}: one applies per namespace, the oldest`,
        );
      push(o, 'GraphDataPolicy', ready, entry);
    }
  }

  const snapshot: PolicySnapshot = Object.freeze({
    generation: input.generation,
    cluster,
    source: clusterRef,
    ...(winner ? { clusterPolicyName: cluster.name } : {}),
    policyFor: (namespace: string | undefined) =>
      namespace === undefined ? cluster : (effective.get(namespace) ?? baseFor(namespace)),
    basePolicyFor: baseFor,
    labelsOf: (namespace: string) => labelsWithName(input.namespaceLabels, namespace),
    namespacePolicy: (namespace: string) => inEffectByNs.get(namespace),
    chosenNamespacePolicies: Object.freeze(chosenList),
  });
  return { snapshot, statuses, state: { compiled } };
}
