// What `explain` says about a pod: one structure, rendered as text or printed as JSON/YAML.
import type { Diagnostic } from '../../policies/diagnostics.js';
import { inject, type InjectionResult, type InjectionStatus } from '../../policies/engine.js';
import { readInjectedAnnotation, type InjectedRecord } from '../../policies/injected-annotation.js';
import type { Pod } from '../../policies/k8s.js';
import { type FluidObject, type RuntimeLookup, runtimeLookupFrom } from '../../policies/fluid-runtime.js';
import { ANNOTATION_DATASET, ANNOTATION_INJECTED, LABEL_INJECT, type Policy } from '../../policies/model.js';
import { type OptInKind, optInOf } from '../../policies/pod-opt-in.js';
import type { Action } from '../../policies/mutators/types.js';
import { WORKLOADS, describeMatch } from '../../policies/workloads.js';
import { BUILT_IN_POLICY_NAME } from '../../common/cluster-names.js';
import { UserError } from '../cli/base.js';
import type { InputFile } from '../documents/input.js';
import { injectSources } from '../documents/inject.js';
import { apiErrorMessage, httpStatusOf, loadKubeConfig, serverOf, type KubeFlags } from '../kube/kubeconfig.js';
import { labelWrittenAt, rfc3339 } from '../kube/managed-fields.js';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Paint } from '../output/format.js';

export interface Explanation {
  object: string;
  source: string;
  status: InjectionStatus;
  reason: string;
  workload?: { name: string; matchedBy: string };
  containers: string[];
  policy: string;
  profile?: string;
  /** The pod's graphdata.io/injected annotation, checked piece by piece against the pod. */
  recorded?: InjectedRecord;
  recordCheck?: RecordCheck[];
  /** Live mode: does the pod's namespace opt in? */
  namespaceOptedIn?: boolean;
  /** Live mode, with the namespace's labels: how the pod opts in (namespace label, its own label, or not). */
  optIn?: { kind: OptInKind; text: string };
  actions: Action[];
  warnings: Diagnostic[];
}

/** One recorded mutator, verified against the pod rather than believed. */
export interface RecordCheck {
  mutator: string;
  /** in place: nothing left to add; missing: the engine would add something; conflict: something clashes. */
  state: 'in place' | 'missing' | 'conflict' | 'not applicable';
  detail?: string;
}

/**
 * The record is user-writable: for each mutator it lists, look at what the engine finds
 * in the pod. Engine actions on the unchanged pod say it all: `present` is in place,
 * `applied` means it is missing, `conflict` means something else is there.
 */
export function checkRecord(record: InjectedRecord, r: InjectionResult): RecordCheck[] {
  return record.mutators.map((mutator): RecordCheck => {
    const mine = r.actions.filter((a) => a.mutator === mutator);
    const missing = mine.filter((a) => a.outcome === 'applied').map((a) => a.subject);
    const clashes = mine.filter((a) => a.outcome === 'conflict').map((a) => a.subject);
    if (clashes.length) return { mutator, state: 'conflict', detail: clashes.join('; ') };
    if (missing.length) return { mutator, state: 'missing', detail: missing.join('; ') };
    if (!mine.some((a) => a.outcome === 'present'))
      return { mutator, state: 'not applicable', detail: 'the policy injects nothing of it into this pod' };
    return { mutator, state: 'in place' };
  });
}

function withRecord(e: Explanation, pod: Pod, r: InjectionResult): Explanation {
  if (pod.metadata?.annotations?.[ANNOTATION_INJECTED] === undefined) return e;
  const recorded = readInjectedAnnotation(pod)!;
  return { ...e, recorded, recordCheck: checkRecord(recorded, r) };
}

function fromResult(r: InjectionResult, object: string, source: string): Explanation {
  const workload = WORKLOADS.find((w) => w.name === r.workload);
  return {
    object,
    source,
    status: r.status,
    reason: r.reason,
    ...(workload ? { workload: { name: workload.name, matchedBy: describeMatch(workload) } } : {}),
    containers: r.targets,
    policy: r.policy,
    ...(r.profile ? { profile: r.profile } : {}),
    actions: r.actions,
    warnings: r.diagnostics,
  };
}

export async function explainFiles(
  inputs: InputFile[],
  policy: Policy,
  namespace: string,
  namespaceLabels?: Readonly<Record<string, string>>,
): Promise<Explanation[]> {
  const { sites, diagnostics } = injectSources(inputs, policy, namespace, namespaceLabels);
  const parseErrors = diagnostics.filter((d) => d.severity === 'error');
  if (parseErrors.length)
    throw new UserError(
      `cannot read the input: ${parseErrors[0]!.file}:${parseErrors[0]!.line}: ${parseErrors[0]!.message}`,
      'fix the YAML first (`kubectl graphdata validate` lists every problem)',
    );
  // Warnings as injectSources located them in the file (with lines), not pod-relative.
  return sites.map(({ file, site, result, located }) =>
    withRecord({ ...fromResult(result, site.label, file), warnings: located }, site.pod, result),
  );
}

/** Fluid mode: the AlluxioRuntime (and Dataset) the pod names, read from its own namespace; none when unreadable. */
async function liveRuntime(
  kc: KubeConfig,
  k8s: typeof import('@kubernetes/client-node'),
  pod: Pod,
  namespace: string,
): Promise<RuntimeLookup> {
  const name = pod.metadata?.annotations?.[ANNOTATION_DATASET];
  if (!name) return runtimeLookupFrom([]);
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const read = (plural: string) =>
    (
      api.getNamespacedCustomObject({
        group: 'data.fluid.io',
        version: 'v1alpha1',
        namespace,
        plural,
        name,
      }) as Promise<FluidObject>
    ).then(
      (o) => [o],
      () => [] as FluidObject[],
    );
  const [runtimes, datasets] = await Promise.all([read('alluxioruntimes'), read('datasets')]);
  return runtimeLookupFrom(runtimes, datasets, namespace);
}

/** The policy a live pod is explained with, chosen once the cluster and the pod's namespace are known. */
export type LivePolicy = (
  kc: KubeConfig,
  namespace: string,
  /** The namespace's labels, when the user may read them (namespaceOverrides select by them). */
  labels: Readonly<Record<string, string>> | undefined,
) => Promise<{
  policy: Policy;
  name: string;
  /** The cluster has a ClusterGraphDataPolicy named as the built-in policy: both record the same reference. */
  builtInNameTaken?: boolean;
}>;

export async function explainLivePod(target: string, choose: LivePolicy, flags: KubeFlags): Promise<Explanation> {
  const name = target.replace(/^(pods?|po)\//, '');
  if (name.includes('/'))
    throw new UserError(
      `explain reads live pods only, not ${target}`,
      `use pod/NAME; for a workload's template: kubectl get ${target} -o yaml | kubectl graphdata explain -f -`,
      2,
    );
  const { k8s, kc, namespace } = await loadKubeConfig(flags);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let pod: Pod;
  try {
    pod = (await core.readNamespacedPod({ name, namespace })) as Pod;
  } catch (error) {
    throw new UserError(`cannot read pod ${namespace}/${name}: ${apiErrorMessage(error)}`, readPodHint(error, kc));
  }
  let namespaceOptedIn: boolean | undefined;
  let labels: Record<string, string> | undefined;
  try {
    const ns = await core.readNamespace({ name: namespace });
    labels = ns.metadata?.labels ?? {};
    namespaceOptedIn = labels[LABEL_INJECT] === 'enabled';
  } catch {
    namespaceOptedIn = undefined; // not allowed to read namespaces: say nothing rather than guess
  }
  const { policy, name: policyName, builtInNameTaken } = await choose(kc, namespace, labels);
  const optIn = labels ? optInOf(policy, namespace, labels, pod) : undefined;
  const runtimes = await liveRuntime(kc, k8s, pod, namespace);
  // The engine over the live pod: every mutator reports whether its work is in place.
  const result = inject(pod, policy, { namespace, ...(labels ? { namespaceLabels: labels } : {}), runtimes });
  const e = withRecord(
    { ...fromResult(result, `pod/${name}`, `cluster, namespace ${namespace}`), policy: policyName },
    pod,
    result,
  );
  if (e.recorded) {
    const checks = e.recordCheck ?? [];
    const off = checks.filter((c) => c.state === 'missing' || c.state === 'conflict');
    const verdict = off.length
      ? `not in place: ${off.map((c) => `${c.mutator} (${c.state})`).join(', ')}`
      : 'all of it is in place';
    // The record names the policy of the pod's creation; say when another one decides now.
    const now =
      e.recorded.policy === result.policy && e.recorded.generation === policy.generation
        ? ''
        : `; the policy in effect now is ${policyName} generation ${policy.generation}`;
    const which =
      builtInNameTaken && e.recorded.policy === `ClusterGraphDataPolicy/${BUILT_IN_POLICY_NAME}`
        ? ` (the built-in policy or the ClusterGraphDataPolicy named ${BUILT_IN_POLICY_NAME}: both record this reference, so the record cannot say which)`
        : '';
    return {
      ...e,
      reason: `recorded as injected by ${e.recorded.policy} generation ${e.recorded.generation}${which} (${e.recorded.mutators.join(', ') || 'nothing'})${now}; checked against the pod: ${verdict}`,
      ...(namespaceOptedIn !== undefined ? { namespaceOptedIn } : {}),
      ...(optIn ? { optIn } : {}),
    };
  }
  const reason =
    optIn && (optIn.kind === 'pod' || optIn.kind === 'pod-not-allowed')
      ? `${optIn.text}${optIn.kind === 'pod' ? `; not injected at creation${labelledLater(pod)}` : ', so the webhook never injected this pod'}; ${e.reason}`
      : namespaceOptedIn === false
        ? `namespace ${namespace} is not labelled ${LABEL_INJECT}=enabled, so the webhook never saw this pod; ${e.reason}`
        : `not injected at creation; ${e.reason}`;
  return {
    ...e,
    reason,
    ...(namespaceOptedIn !== undefined ? { namespaceOptedIn } : {}),
    ...(optIn ? { optIn } : {}),
  };
}

/**
 * Whether the pod's opt-in label was written after the pod was created (its managedFields):
 * the webhook injects pods only when they are created, so such a label changed nothing.
 */
function labelledLater(pod: Pod): string {
  const written = labelWrittenAt(pod, LABEL_INJECT);
  // A string in raw JSON, a Date as @kubernetes/client-node decodes it.
  const created = pod.metadata?.creationTimestamp as string | Date | undefined;
  if (!written || !created || !(Date.parse(written) > new Date(created).getTime())) return '';
  return ` (its label ${LABEL_INJECT} was written at ${written}, after the pod was created at ${rfc3339(created)}, and the webhook injects pods only when they are created: delete the pod so that its controller creates it again, injected, or create a pod of your own again)`;
}

/** What to do depends on what failed: no answer from the cluster, or an answer saying no. */
function readPodHint(error: unknown, kc: KubeConfig): string {
  const status = httpStatusOf(error);
  if (status === undefined)
    return `the cluster at ${serverOf(kc)} did not answer: check that it is up, and --kubeconfig / --context`;
  if (status === 404)
    return 'no such pod in that namespace: check the name and -n NAMESPACE (`kubectl get pods -n NS`)';
  if (status === 401) return 'the cluster did not accept your credentials: refresh them, or check --context';
  if (status === 403) return 'your user may not get pods in that namespace: ask for RBAC get on pods, or check -n';
  return 'read the apiserver message above';
}

const OUTCOME_STYLE = { applied: 'green', present: 'dim', skipped: 'yellow', conflict: 'red' } as const;

export function renderExplanation(e: Explanation, paint: Paint): string {
  const lines = [
    `${paint('bold', e.object)}  ${paint('dim', `(${e.source})`)}`,
    `  result:     ${e.status} — ${e.reason}`,
    `  workload:   ${e.workload ? `${e.workload.name} (${e.workload.matchedBy})` : '(none)'}`,
    `  containers: ${e.containers.join(', ') || '(none)'}`,
    `  policy:     ${e.policy}${e.profile ? `, profile ${e.profile}` : ''}`,
  ];
  if (e.namespaceOptedIn !== undefined)
    lines.push(
      `  namespace:  ${e.namespaceOptedIn ? 'opted in' : `not opted in (label ${LABEL_INJECT}=enabled missing)`}`,
    );
  if (e.optIn) lines.push(`  opt-in:     ${e.optIn.kind} — ${e.optIn.text}`);
  if (e.recordCheck) {
    lines.push('  record:     graphdata.io/injected, checked against the pod (it is never trusted):');
    for (const c of e.recordCheck)
      lines.push(`    ${c.mutator}: ${c.state}${c.detail ? paint('dim', ` — ${c.detail}`) : ''}`);
  }
  if (e.actions.length) {
    lines.push('  mutators:');
    const width = Math.max(...e.actions.map((a) => a.mutator.length));
    for (const a of e.actions) {
      const outcome = paint(OUTCOME_STYLE[a.outcome], a.outcome.padEnd(8));
      lines.push(
        `    ${a.mutator.padEnd(width)}  ${outcome}  ${a.subject}${a.reason ? paint('dim', ` — ${a.reason}`) : ''}`,
      );
    }
  }
  for (const w of e.warnings)
    lines.push(`  ${paint('yellow', 'warning')} ${w.code}: ${w.message}${w.hint ? `\n    hint: ${w.hint}` : ''}`);
  return `${lines.join('\n')}\n`;
}
