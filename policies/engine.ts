// The injection engine: one pure function shared by the webhook and the plugin
// (`inject`, `explain`), as Istio shares one injector between its webhook and
// `istioctl kube-inject`.
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { readInjectedAnnotation, writeInjectedAnnotation, type InjectedRecord } from './injected-annotation.js';
import type { Pod } from './k8s.js';
import { ANNOTATION_PROFILE, LABEL_INJECT, resolveSpec, type Policy } from './model.js';
import { MUTATORS, type Action, type MutationContext } from './mutators/index.js';
import { describeMatch, detectWorkload, targetContainerNames, type WorkloadName } from './workloads.js';

export type InjectionStatus =
  | 'injected'
  | 'already-injected'
  | 'not-a-workload'
  | 'opted-out'
  | 'no-target-container'
  | 'nothing-to-do';

export interface InjectionResult {
  /** The pod after injection; the input object itself when nothing changed. */
  pod: Pod;
  changed: boolean;
  status: InjectionStatus;
  /** One sentence on why the pod was or was not injected. */
  reason: string;
  workload?: WorkloadName;
  targets: string[];
  profile?: string;
  policy: string;
  actions: Action[];
  /** Warnings for the user: conflicts, missing targets, unknown profiles, floating images. */
  diagnostics: Diagnostic[];
  /** The record previously written, when status is `already-injected`. */
  previous?: InjectedRecord;
}

export interface InjectOptions {
  /** Namespace from the admission request; a pod at CREATE may not carry one itself. */
  namespace?: string;
  /**
   * Labels of the pod's namespace (PodSecurity level, profile namespaceSelector).
   * Undefined when unknown (no cluster): hostPath injection proceeds as configured.
   */
  namespaceLabels?: Readonly<Record<string, string>>;
}

export const policyRef = (policy: Policy): string =>
  `${policy.kind}/${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;

export function inject(pod: Pod, policy: Policy, opts: InjectOptions = {}): InjectionResult {
  const base = {
    pod,
    changed: false,
    targets: [] as string[],
    policy: policyRef(policy),
    actions: [] as Action[],
    diagnostics: [] as Diagnostic[],
  };
  const labels = pod.metadata?.labels ?? {};
  const workload = detectWorkload(pod);
  if (!workload) {
    return {
      ...base,
      status: 'not-a-workload',
      reason: 'no graphdata workload matches the pod labels (spark-role, StarRocks CN or GraphScope engine labels)',
    };
  }
  if (labels[LABEL_INJECT] === 'false') {
    return { ...base, workload: workload.name, status: 'opted-out', reason: `the pod has label ${LABEL_INJECT}=false` };
  }
  const previous = readInjectedAnnotation(pod);
  if (previous) {
    return {
      ...base,
      workload: workload.name,
      previous,
      status: 'already-injected',
      reason: `already injected by ${previous.policy} generation ${previous.generation}`,
    };
  }
  const targets = targetContainerNames(pod, workload);
  if (targets.length === 0) {
    const names = (pod.spec?.containers ?? []).map((c) => c.name).join(', ') || 'none';
    const message = `${workload.name} pod has no container named ${workload.targetContainers.join(' or ')} (it has: ${names}); nothing injected`;
    return {
      ...base,
      workload: workload.name,
      status: 'no-target-container',
      reason: message,
      diagnostics: [
        diagnostic('warning', 'no-target-container', message, {
          path: 'spec.containers',
          hint: `name the main container ${workload.targetContainers[0]}, or opt out with label ${LABEL_INJECT}=false`,
        }),
      ],
    };
  }

  const diagnostics: Diagnostic[] = [];
  const requested = pod.metadata?.annotations?.[ANNOTATION_PROFILE];
  let profile: string | undefined;
  if (requested && policy.profiles[requested]) profile = requested;
  else if (requested) {
    diagnostics.push(
      diagnostic(
        'warning',
        'unknown-profile',
        `profile "${requested}" is not defined in ${policyRef(policy)}; the policy's defaults were used`,
        {
          path: `metadata.annotations["${ANNOTATION_PROFILE}"]`,
          hint: `use one of: ${Object.keys(policy.profiles).join(', ') || '(the policy defines no profiles)'}`,
        },
      ),
    );
  }

  const ctx: MutationContext = {
    spec: resolveSpec(policy, profile),
    workload,
    targets,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  };
  let draft: Pod = structuredClone(pod);
  const actions: Action[] = [];
  for (const mutator of MUTATORS) {
    if (!workload.mutators.includes(mutator.name)) continue;
    const outcome = mutator.apply(draft, ctx);
    draft = outcome.pod;
    actions.push(...outcome.actions);
  }
  diagnostics.push(...actions.filter(worthWarning).map(actionDiagnostic));

  const applied = [...new Set(actions.filter((a) => a.outcome === 'applied').map((a) => a.mutator))];
  const record: InjectedRecord = {
    policy: base.policy,
    generation: policy.generation,
    workload: workload.name,
    containers: targets,
    mutators: applied,
    ...(profile ? { profile } : {}),
  };
  writeInjectedAnnotation(draft, record);
  const status: InjectionStatus = applied.length ? 'injected' : 'nothing-to-do';
  const reason = applied.length
    ? `${workload.name} (${describeMatch(workload)}); injected ${applied.join(', ')} into ${targets.join(', ')}`
    : `${workload.name}: everything the policy injects is already in the pod`;
  return {
    ...base,
    pod: draft,
    changed: true,
    status,
    reason,
    workload: workload.name,
    targets,
    ...(profile ? { profile } : {}),
    actions,
    diagnostics,
  };
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
