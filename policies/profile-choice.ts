// Which profile a pod gets: the one function both mutation (engine.inject) and
// validation (rules/index.checkObjectByRule) resolve a pod's spec with, so a pod is
// judged by exactly the settings it is injected with. A profile reserved for other
// namespaces is never honoured, not by either side. Pure.
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { formatSelector, matchesSelector } from './label-selector.js';
import { ANNOTATION_PROFILE, lookupProfile, resolveSpec, type Policy, type PolicySpec } from './model.js';

const policyRefs = new WeakMap<Policy, string>();

/** `Kind/namespace/name`; computed once per policy object (a policy never changes once loaded). */
export function policyRef(policy: Policy): string {
  let ref = policyRefs.get(policy);
  if (ref === undefined) {
    ref = `${policy.kind}/${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
    policyRefs.set(policy, ref);
  }
  return ref;
}

/** Where the pod will run: the admission request's namespace and that namespace's labels. */
export interface ProfileScope {
  namespace?: string | undefined;
  /** Undefined when unknown (no cluster): a profile owned by a namespaceSelector is then not granted. */
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
}

export interface ProfileChoice {
  /** The profile in effect; undefined when none was asked for, or the one asked for is not granted. */
  profile?: string;
  /** The spec the pod gets: the policy's, with the granted profile laid over it. Never change it. */
  spec: PolicySpec;
  /** Why the requested profile was not used. */
  warning?: Diagnostic;
}

/**
 * The profile `requested` (the `graphdata.io/profile` annotation), if it exists (own
 * properties only) and the namespace may use it; otherwise the policy's defaults and a
 * warning that says why.
 */
export function chooseProfile(requested: unknown, policy: Policy, scope: ProfileScope): ProfileChoice {
  if (requested === undefined) return { spec: policy.spec };
  const path = `metadata.annotations["${ANNOTATION_PROFILE}"]`;
  const profile = typeof requested === 'string' ? lookupProfile(policy, requested) : undefined;
  if (typeof requested !== 'string' || !profile) {
    const known = Object.keys(policy.profiles);
    return {
      spec: policy.spec,
      warning: diagnostic(
        'warning',
        'unknown-profile',
        `profile ${JSON.stringify(requested)} is not defined in ${policyRef(policy)}; the policy's defaults were used`,
        { path, hint: `use one of: ${known.join(', ') || '(the policy defines no profiles)'}` },
      ),
    };
  }
  const { namespace, namespaceLabels } = scope;
  const { allowedNamespaces, namespaceSelector } = profile;
  const granted =
    (!allowedNamespaces && !namespaceSelector) ||
    (namespace !== undefined && allowedNamespaces?.includes(namespace) === true) ||
    (namespaceSelector !== undefined &&
      namespaceLabels !== undefined &&
      matchesSelector(namespaceSelector, namespaceLabels));
  if (granted) return { profile: requested, spec: resolveSpec(policy, requested) };
  const owners = [
    ...(allowedNamespaces ? [`namespaces ${allowedNamespaces.join(', ') || '(none)'}`] : []),
    ...(namespaceSelector ? [`namespaces labelled ${formatSelector(namespaceSelector)}`] : []),
  ].join(' or ');
  const unknownLabels =
    namespaceSelector && !namespaceLabels && namespace ? " (this namespace's labels are not known here)" : '';
  return {
    spec: policy.spec,
    warning: diagnostic(
      'warning',
      'profile-not-allowed',
      `profile ${JSON.stringify(requested)} belongs to ${owners}, not to ${namespace ? `namespace ${namespace}` : 'a pod without a namespace'}${unknownLabels}; the policy's defaults were used`,
      {
        path,
        hint: `remove the annotation, or ask the platform team to allow namespace ${namespace ?? '(unknown)'} on that profile`,
      },
    ),
  };
}
