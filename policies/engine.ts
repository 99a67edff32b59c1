// The injection engine: one pure function shared by the webhook and the plugin
// (`inject`, `explain`), as Istio shares one injector between its webhook and
// `istioctl kube-inject`.
import { klona } from 'klona/json';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import type { InjectedRecord } from './injected-annotation.js';
import type { Pod } from './k8s.js';
import { fluidSpec, type RuntimeLookup } from './fluid-runtime.js';
import { ANNOTATION_INJECTED, ANNOTATION_PROFILE, LABEL_INJECT, type Policy } from './model.js';
import { MUTATORS, type Action, type MutationContext } from './mutators/index.js';
import { type PatchOperation, PodEdits } from './patch.js';
import { chooseProfile, policyRef } from './profile-choice.js';
import {
  describeMatch,
  detectWorkload,
  targetContainerNames,
  type MutatorName,
  type WorkloadName,
} from './workloads.js';

export type InjectionStatus =
  | 'injected'
  | 'not-a-workload'
  | 'opted-out'
  | 'not-linux'
  | 'no-target-container'
  | 'nothing-to-do';

export interface InjectionResult {
  /** The pod after injection; the input object itself when nothing changed (or with `inPlace`). */
  pod: Pod;
  changed: boolean;
  /** RFC 6902 operations that turn the input pod into `pod`, as the mutators made the changes. */
  patch: PatchOperation[];
  status: InjectionStatus;
  /** One sentence on why the pod was or was not injected. */
  reason: string;
  workload?: WorkloadName;
  targets: string[];
  profile?: string;
  policy: string;
  actions: Action[];
  /** Mutators whose work is complete in the result: what the `graphdata.io/injected` record lists. */
  mutators: MutatorName[];
  /** Warnings for the user: conflicts, missing targets, unknown profiles, floating images. */
  diagnostics: Diagnostic[];
}

export { policyRef };

export interface InjectOptions {
  /** Namespace from the admission request; a pod at CREATE may not carry one itself. */
  namespace?: string;
  /**
   * Labels of the pod's namespace (PodSecurity level, profile namespaceSelector).
   * Undefined when unknown (no cluster): hostPath injection proceeds as configured.
   */
  namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * Change the given pod itself instead of a copy: for a caller that only needs the patch
   * (the webhook, whose pod was parsed for this request alone). Copying a real-size pod
   * costs about as much as injecting it.
   */
  inPlace?: boolean;
  /**
   * Fluid mode (`cache: fluid`): the AlluxioRuntime of a name in a namespace, as
   * `runtimeInfo` reads it. Only ever asked about the pod's own namespace.
   */
  runtimes?: RuntimeLookup;
  /**
   * Whether the cluster serves `image` volumes (the webhook finds out at start): false
   * makes `alluxio.clientJar.delivery: imageVolume` fall back to the init container.
   * Undefined when unknown (no cluster): the policy's choice holds.
   */
  imageVolumes?: boolean;
}

/**
 * The start of the `graphdata.io/injected` record for a policy and workload, as
 * JSON.stringify writes it: the part that is the same for every pod. Per policy object.
 */
const recordHeads = new WeakMap<Policy, Map<WorkloadName, string>>();

function recordHead(policy: Policy, workload: WorkloadName): string {
  let heads = recordHeads.get(policy);
  if (!heads) recordHeads.set(policy, (heads = new Map()));
  let head = heads.get(workload);
  if (head === undefined) {
    const json = JSON.stringify({ policy: policyRef(policy), generation: policy.generation, workload });
    head = json.slice(0, -1);
    heads.set(workload, head);
  }
  return head;
}

/** JSON.stringify(record), with the part fixed by policy and workload written once. */
function recordJson(policy: Policy, record: InjectedRecord): string {
  const profile = record.profile !== undefined ? `,"profile":${JSON.stringify(record.profile)}` : '';
  return `${recordHead(policy, record.workload as WorkloadName)},"containers":${JSON.stringify(record.containers)},"mutators":${JSON.stringify(record.mutators)}${profile}}`;
}

/** A result without injection; the fields in the order every result has them. */
function notInjected(
  pod: Pod,
  policy: Policy,
  status: InjectionStatus,
  reason: string,
  workload?: WorkloadName,
  diagnostics: Diagnostic[] = [],
): InjectionResult {
  const result: InjectionResult = {
    pod,
    changed: false,
    patch: [],
    targets: [],
    policy: policyRef(policy),
    actions: [],
    mutators: [],
    diagnostics,
    status,
    reason,
  };
  if (workload) result.workload = workload;
  return result;
}

/**
 * Runs the workload's mutators over a copy of the pod. A `graphdata.io/injected` record
 * already on the pod is never a reason to skip (anyone can write one): the mutators are
 * idempotent, so a pod that is complete comes back with nothing changed but the record.
 */
export function inject(pod: Pod, policy: Policy, opts: InjectOptions = {}): InjectionResult {
  const labels = pod.metadata?.labels ?? {};
  const workload = detectWorkload(pod);
  if (!workload) {
    return notInjected(
      pod,
      policy,
      'not-a-workload',
      'no graphdata workload matches the pod labels (spark-role, StarRocks CN or GraphScope engine labels)',
    );
  }
  if (labels[LABEL_INJECT] === 'false') {
    return notInjected(pod, policy, 'opted-out', `the pod has label ${LABEL_INJECT}=false`, workload.name);
  }
  const os = pod.spec?.os?.name;
  if (os !== undefined && os !== 'linux') {
    // The init container's securityContext (runAsNonRoot, seccomp, capabilities) is
    // Linux-only: on a Windows pod the apiserver refuses it (422), and the Alluxio client
    // wiring assumes a Linux JVM anyway. Leave the pod exactly as it is.
    const message = `${workload.name} pod runs on ${JSON.stringify(os)} (spec.os.name); graphdata injects Linux pods only, so nothing was injected`;
    return notInjected(pod, policy, 'not-linux', message, workload.name, [
      diagnostic('warning', 'not-linux', message, {
        path: 'spec.os.name',
        hint: `run the ${workload.name} on Linux nodes, or opt it out with label ${LABEL_INJECT}=false`,
      }),
    ]);
  }
  const targets = targetContainerNames(pod, workload);
  if (targets.length === 0) {
    const names = (pod.spec?.containers ?? []).map((c) => c.name);
    const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')}, …` : names.join(', ') || 'none';
    const message = `${workload.name} pod has no container named ${workload.targetContainers.join(' or ')} (it has: ${shown}); nothing injected`;
    return notInjected(pod, policy, 'no-target-container', message, workload.name, [
      diagnostic('warning', 'no-target-container', message, {
        path: 'spec.containers',
        hint: `name the main container ${workload.targetContainers[0]}, or opt out with label ${LABEL_INJECT}=false`,
      }),
    ]);
  }

  const namespace = opts.namespace ?? pod.metadata?.namespace;
  const diagnostics: Diagnostic[] = [];
  const chosen = chooseProfile(pod.metadata?.annotations?.[ANNOTATION_PROFILE], policy, {
    namespace,
    namespaceLabels: opts.namespaceLabels,
  });
  if (chosen.warning) diagnostics.push(chosen.warning);
  const profile = chosen.profile;

  const edits = new PodEdits();
  const fluid = fluidSpec(chosen.spec, pod.metadata?.annotations, namespace, opts.runtimes);
  // Optional fields are left out, not set to undefined: one object shape for the mutators.
  const ctx: MutationContext = { spec: fluid.spec, edits, workload, targets };
  if (fluid.unavailable) ctx.masterUnavailable = fluid.unavailable;
  if (namespace) ctx.namespace = namespace;
  if (opts.namespaceLabels) ctx.namespaceLabels = opts.namespaceLabels;
  if (opts.imageVolumes !== undefined) ctx.imageVolumes = opts.imageVolumes;
  // klona's JSON clone: several times faster than structuredClone on a real-size pod (BENCHMARKS.md).
  let draft: Pod = opts.inPlace ? pod : klona(pod);
  const actions: Action[] = [];
  for (const mutator of MUTATORS) {
    if (!workload.mutators.includes(mutator.name)) continue;
    const outcome = mutator.apply(draft, ctx);
    draft = outcome.pod;
    for (const a of outcome.actions) actions.push(a);
  }
  for (const a of actions) if (worthWarning(a)) diagnostics.push(actionDiagnostic(a));

  // At most five mutators: short arrays, in the order they first appear, cost less than Sets here.
  const changed: MutatorName[] = [];
  const done: MutatorName[] = [];
  const conflicted: MutatorName[] = [];
  for (const a of actions) {
    if (a.outcome === 'applied' && !changed.includes(a.mutator)) changed.push(a.mutator);
    if ((a.outcome === 'applied' || a.outcome === 'present') && !done.includes(a.mutator)) done.push(a.mutator);
    if (a.outcome === 'conflict' && !conflicted.includes(a.mutator)) conflicted.push(a.mutator);
  }
  // The record lists what is in the pod: a mutator that met a conflict did not do its job.
  const complete = workload.mutators.filter((m) => done.includes(m) && !conflicted.includes(m));
  const record: InjectedRecord = {
    policy: policyRef(policy),
    generation: policy.generation,
    workload: workload.name,
    containers: targets,
    mutators: complete,
    ...(profile ? { profile } : {}),
  };
  const metadata = edits.object(draft, 'metadata', '');
  edits.set(
    edits.object(metadata, 'annotations', '/metadata'),
    ANNOTATION_INJECTED,
    recordJson(policy, record),
    '/metadata/annotations',
  );
  const podChanged = changed.length > 0 || edits.ops.length > 0;
  const status: InjectionStatus = changed.length ? 'injected' : 'nothing-to-do';
  const incomplete = conflicted.length ? `; not applied because of conflicts: ${conflicted.join(', ')}` : '';
  const reason = changed.length
    ? `${workload.name} (${describeMatch(workload)}); injected ${changed.join(', ')} into ${targets.join(', ')}${incomplete}`
    : `${workload.name}: everything the policy injects is already in the pod${incomplete}`;
  const result: InjectionResult = {
    pod: podChanged ? draft : pod,
    changed: podChanged,
    patch: edits.ops,
    targets,
    policy: record.policy,
    actions,
    mutators: complete,
    diagnostics,
    status,
    reason,
    workload: workload.name,
  };
  if (profile) result.profile = profile;
  return result;
}

const worthWarning = (a: Action): boolean =>
  a.outcome === 'conflict' || (a.outcome === 'skipped' && a.hint !== undefined);

function actionDiagnostic(a: Action): Diagnostic {
  const code = a.outcome === 'conflict' ? `${a.mutator}-conflict` : `${a.mutator}-skipped`;
  const message = `${a.subject}: ${a.reason ?? (a.outcome === 'conflict' ? 'already present with other content; left as is' : 'skipped')}`;
  return diagnostic('warning', code, message, {
    ...(a.path ? { path: a.path } : {}),
    ...(a.hint ? { hint: a.hint } : {}),
  });
}
