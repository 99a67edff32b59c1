// Pod-level opt-in: a pod labelled `graphdata.io/inject=enabled` in a namespace that is
// not opted in. The registration sends such pods to a second pair of webhook entries
// (/mutate/pod-opt-in, /validate/pod-opt-in); the cluster policy's
// `spec.podOptIn.namespaceSelector` decides where that is allowed (absent: nowhere).
// Pure: the webhook hands in the namespace's labels from its informer.
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { formatSelector, matchesSelector } from './label-selector.js';
import { LABEL_INJECT, type Policy } from './model.js';

/** The label value that opts a pod (or a namespace) in. */
export const OPT_IN_VALUE = 'enabled';

/** The finding's rule name in verdicts and metrics: not a rule a policy can put in Audit. */
export const POD_OPT_IN_RULE = 'pod-opt-in';

/** Whether the pod-level entries may serve pods of one namespace, and why not. */
export interface PodOptInScope {
  allowed: boolean;
  /** The namespace, as the request names it. */
  namespace: string;
  /** Why not, as a sentence: shown in the denial and the warning. */
  reason?: string;
}

/** The pod's (or any object's) own opt-in label: exactly `enabled`, as the objectSelector matches it. */
export function hasOptInLabel(object: unknown): boolean {
  if (typeof object !== 'object' || object === null) return false;
  const labels = (object as { metadata?: { labels?: unknown } }).metadata?.labels;
  if (typeof labels !== 'object' || labels === null) return false;
  return Object.hasOwn(labels, LABEL_INJECT) && (labels as Record<string, unknown>)[LABEL_INJECT] === OPT_IN_VALUE;
}

/**
 * Where the cluster policy allows pod-level opt-in. Read from the cluster policy only (a
 * GraphDataPolicy cannot set `podOptIn`); a namespace whose labels are unknown is not
 * allowed (fail closed: its labels cannot be matched).
 */
export function podOptInScope(
  cluster: Policy,
  namespace: string | undefined,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): PodOptInScope {
  const ns = namespace ?? '';
  // A namespace's effective policy may carry a GraphDataPolicy's name; podOptIn is the cluster policy's.
  const ref =
    cluster.kind === 'ClusterGraphDataPolicy' ? `ClusterGraphDataPolicy ${cluster.name}` : 'the ClusterGraphDataPolicy';
  const selector = cluster.spec.podOptIn?.namespaceSelector;
  if (!selector) return { allowed: false, namespace: ns, reason: `${ref} allows pod-level opt-in in no namespace` };
  if (!namespace || !namespaceLabels)
    return {
      allowed: false,
      namespace: ns,
      reason: `the labels of namespace ${ns || '(none)'} are not known yet, so ${ref} spec.podOptIn cannot be checked`,
    };
  if (!matchesSelector(selector, namespaceLabels))
    return {
      allowed: false,
      namespace: ns,
      reason: `${ref} allows pod-level opt-in only in namespaces matching ${formatSelector(selector)}`,
    };
  return { allowed: true, namespace: ns };
}

const hint = (scope: PodOptInScope) =>
  `remove the label ${LABEL_INJECT}=${OPT_IN_VALUE} from the pod, or ask the platform team to add namespace ${scope.namespace} to spec.podOptIn.namespaceSelector (or to label the namespace ${LABEL_INJECT}=${OPT_IN_VALUE})`;

/** The denial of a labelled pod where pod-level opt-in is not allowed. */
export const podOptInNotAllowed = (scope: PodOptInScope): Diagnostic =>
  diagnostic('error', 'pod-opt-in-not-allowed', `pod-level opt-in is not allowed here: ${scope.reason}`, {
    path: `metadata.labels.${LABEL_INJECT}`,
    hint: hint(scope),
  });

/**
 * The denial of an UPDATE that removes the label: the pod would leave the validating
 * entry's objectSelector, and later changes (`kubectl debug`, resize) would go unchecked.
 */
export const podOptInLabelRemoved = (): Diagnostic =>
  diagnostic(
    'error',
    'pod-opt-in-label-removed',
    `the label ${LABEL_INJECT}=${OPT_IN_VALUE} cannot be removed or changed on a pod that opted in by it`,
    {
      path: `metadata.labels.${LABEL_INJECT}`,
      hint: 'delete the pod and create it without the label instead',
    },
  );

/** The mutating side's warning: the pod is admitted uninjected (and /validate denies it). */
export const podOptInWarning = (scope: PodOptInScope): string =>
  `graphdata: the pod was not injected: pod-level opt-in is not allowed here (${scope.reason})`;

/**
 * What /validate/pod-opt-in does before the rules: `judge` (enforce as in an opted-in
 * namespace), `skip` (the object does not opt in, and did not: nothing of ours), or a
 * denial. The entry's objectSelector sends an UPDATE when the old or the new object
 * carries the label, so removing it is seen.
 */
export function podOptInGate(
  scope: PodOptInScope,
  operation: 'CREATE' | 'UPDATE',
  object: unknown,
  oldObject: unknown,
): 'judge' | 'skip' | Diagnostic {
  const labelled = hasOptInLabel(object);
  const wasLabelled = operation === 'UPDATE' && hasOptInLabel(oldObject);
  if (!scope.allowed) return labelled ? podOptInNotAllowed(scope) : 'skip';
  if (wasLabelled && !labelled) return podOptInLabelRemoved();
  return labelled ? 'judge' : 'skip';
}

/** How a pod opts in, as `explain` and `audit` say it. */
export type OptInKind = 'namespace' | 'pod' | 'pod-not-allowed' | 'none';

/**
 * Which entry serves a pod, from its namespace's labels (the namespace entry wins: the
 * two never overlap) and, for a labelled pod elsewhere, the cluster policy's podOptIn
 * (`policy` may be a namespace's effective policy: podOptIn is only ever the cluster's).
 */
export function optInOf(
  policy: Policy,
  namespace: string,
  namespaceLabels: Readonly<Record<string, string>>,
  pod: unknown,
): { kind: OptInKind; text: string } {
  if (namespaceLabels[LABEL_INJECT] === OPT_IN_VALUE)
    return { kind: 'namespace', text: `namespace ${namespace} is labelled ${LABEL_INJECT}=${OPT_IN_VALUE}` };
  if (!hasOptInLabel(pod))
    return {
      kind: 'none',
      text: `neither namespace ${namespace} nor the pod is labelled ${LABEL_INJECT}=${OPT_IN_VALUE}`,
    };
  const scope = podOptInScope(policy, namespace, namespaceLabels);
  return scope.allowed
    ? {
        kind: 'pod',
        text: `the pod is labelled ${LABEL_INJECT}=${OPT_IN_VALUE}, and ClusterGraphDataPolicy spec.podOptIn allows that in ${namespace}`,
      }
    : {
        kind: 'pod-not-allowed',
        text: `the pod is labelled ${LABEL_INJECT}=${OPT_IN_VALUE}, but ${scope.reason}: the webhook denies such pods`,
      };
}
