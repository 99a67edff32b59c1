// Did *this* graphdata webhook inject the self-test pod? Pure.
//
// The `graphdata.io/injected` annotation proves nothing on its own: any mutating webhook
// (or the pod's author) can write it. What only a webhook running our engine with the
// policy in effect produces is the injection itself: the same init container, volumes,
// env, mounts and placement the pure core computes for that exact pod. So install runs
// the engine offline on the probe pod it sent (as `kubectl graphdata inject` would) and
// requires the pod the apiserver returns to contain all of it, and the annotation to be
// the record our engine writes (workload, containers, mutators, policy). Containment,
// not equality: the apiserver adds defaults, and other webhooks may add their own fields.
// A webhook that copied our output exactly would pass, and would also do our job.
//
// What the plugin cannot know exactly, it tries both ways: whether the cluster serves
// image volumes (the webhook finds out at start; the policy's imageVolume delivery falls
// back to an init container when not). The generation in the annotation is not compared:
// a webhook a moment behind a policy edit is retried by the caller, and the content
// comparison already catches a different policy.
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { type InjectOptions, inject, policyRef } from '../../policies/engine.js';
import { containsMismatches } from '../../policies/expectations.js';
import { readInjectedAnnotation } from '../../policies/injected-annotation.js';
import type { Pod } from '../../policies/k8s.js';
import { NAMESPACE_NAME_LABEL } from '../../policies/layering.js';
import { matchesSelector } from '../../policies/label-selector.js';
import { ANNOTATION_INJECTED, LABEL_INJECT, type LabelSelector, type Policy } from '../../policies/model.js';
import { OPT_IN_VALUE } from '../../policies/pod-opt-in.js';

export interface ProbeProof {
  ok: boolean;
  /** What the returned pod lacks of our injection, as field paths; empty when ok. */
  missing: string[];
  /** The pod came back with the annotation but without what our engine injects. */
  foreignAnnotation: boolean;
}

/** The option sets the webhook may have injected with, for what the plugin cannot see. */
export function probeInjectOptions(policy: Policy, base: InjectOptions): InjectOptions[] {
  return policy.spec.alluxio.clientJar.delivery === 'imageVolume'
    ? [
        { ...base, imageVolumes: true },
        { ...base, imageVolumes: false },
      ]
    : [base];
}

const withoutRecord = (pod: Pod): Pod => {
  const copy = structuredClone(pod);
  if (copy.metadata?.annotations) delete copy.metadata.annotations[ANNOTATION_INJECTED];
  return copy;
};

function mismatches(sent: Pod, returned: Pod, policy: Policy, opts: InjectOptions): string[] {
  const expected = inject(structuredClone(sent), policy, opts);
  if (expected.status !== 'injected')
    return [`the engine would not inject the probe pod with ${policyRef(policy)}: ${expected.reason}`];
  const found: string[] = containsMismatches(withoutRecord(expected.pod), withoutRecord(returned), []);
  const want = readInjectedAnnotation(expected.pod);
  const got = readInjectedAnnotation(returned);
  if (!got) found.push(`metadata.annotations.${ANNOTATION_INJECTED}: missing`);
  else if (want) {
    for (const key of ['policy', 'workload', 'containers', 'mutators'] as const) {
      const [w, g] = [JSON.stringify(want[key]), JSON.stringify(got[key])];
      if (w !== g) found.push(`metadata.annotations.${ANNOTATION_INJECTED}: ${key} is ${g}, our engine writes ${w}`);
    }
  }
  return found;
}

/**
 * `sent`: the probe pod as created; `returned`: what the apiserver's dry run gave back;
 * `policy`: the policy in effect in the probe's namespace; `base`: its namespace and labels.
 */
export function proveInjected(sent: Pod, returned: Pod, policy: Policy, base: InjectOptions): ProbeProof {
  const tries = probeInjectOptions(policy, base).map((opts) => mismatches(sent, returned, policy, opts));
  const best = tries.reduce((a, b) => (b.length < a.length ? b : a));
  const annotated = returned.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  return { ok: best.length === 0, missing: best, foreignAnnotation: best.length > 0 && annotated };
}

/**
 * Where the webhook's policy comes from, from the `policy` of its GET /version:
 * `cluster (…)` reads the cluster's policy objects (inside: the one in effect,
 * `ClusterGraphDataPolicy NAME`, or the fallback when none is); anything else is its
 * fallback alone, a webhook without cluster access. The fallback is the built-in policy
 * or a `--policy` file, named by its path. A webhook that was not asked (undefined) is
 * taken to read the cluster, as an installed one does.
 */
export function webhookPolicySource(source: string | undefined): { readsCluster: boolean; file?: string } {
  if (source === undefined) return { readsCluster: true };
  const cluster = /^cluster \((.*)\)$/s.exec(source);
  const inner = cluster ? cluster[1]! : source;
  const file = inner === BUILT_IN_POLICY || inner.startsWith('ClusterGraphDataPolicy ') ? undefined : inner;
  return { readsCluster: cluster !== null, ...(file !== undefined ? { file } : {}) };
}

/**
 * Labels for a fresh namespace `name` that the cluster policy's podOptIn selector selects
 * and that is not opted in (the pod-level entries serve only those): where the self-test
 * proves a labelled pod is injected. Undefined, with the reason, when no such labels
 * exist (contradictory terms) or the selector names namespaces (a fresh namespace cannot
 * take a name a tenant may own).
 */
export function podOptInProbeLabels(
  selector: LabelSelector,
  name: string,
): { labels: Record<string, string> } | { reason: string } {
  const terms = [
    ...Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({ key, operator: 'In' as const, values: [v] })),
    ...(selector.matchExpressions ?? []),
  ];
  const keys = [...new Set(terms.map((t) => t.key))];
  const labels: Record<string, string> = {};
  for (const key of keys) {
    const own = terms.filter((t) => t.key === key);
    const allowed = own
      .filter((t) => t.operator === 'In')
      .reduce<string[] | undefined>(
        (acc, t) => (acc ? acc.filter((v) => t.values?.includes(v)) : [...(t.values ?? [])]),
        undefined,
      );
    const refused = new Set(own.filter((t) => t.operator === 'NotIn').flatMap((t) => t.values ?? []));
    // The namespace must not be opted in: the pod-level entries skip those.
    if (key === LABEL_INJECT) refused.add(OPT_IN_VALUE);
    const needed = allowed !== undefined || own.some((t) => t.operator === 'Exists');
    if (!needed) continue;
    if (key === NAMESPACE_NAME_LABEL) return { reason: `its selector names namespaces (${NAMESPACE_NAME_LABEL})` };
    if (own.some((t) => t.operator === 'DoesNotExist'))
      return { reason: `its selector both requires and forbids the label ${key}` };
    const value = (allowed ?? ['graphdata-self-test']).find((v) => !refused.has(v));
    if (value === undefined)
      return { reason: `no value of the label ${key} meets its selector and leaves the namespace not opted in` };
    labels[key] = value;
  }
  // Checked as the webhook checks it, with the name label the apiserver adds.
  if (!matchesSelector(selector, { ...labels, [NAMESPACE_NAME_LABEL]: name }))
    return { reason: 'no labels of a new namespace meet its selector' };
  return { labels };
}
