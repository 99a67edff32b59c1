// graphdata's own policy documents: checked by the loader that `--policy FILE` and
// the webhook use, so `validate` accepts exactly the policies they accept, with the
// same messages. A GraphDataPolicy is also checked against the cluster policy in use:
// it may only tighten it (policies/layering.ts); a ClusterGraphDataPolicy's
// namespaceOverrides may only tighten the policy they are in.
import {
  applyNamespaceOverrides,
  checkLayering,
  checkNamespaceOverrides,
  effectivePolicy,
  NAMESPACE_NAME_LABEL,
  namespacePolicyFromObject,
} from '../layering.js';
import { API_VERSION, POLICY_KINDS } from '../model.js';
import { requiredPlacementWarnings } from '../placement-warnings.js';
import { policyFromObject } from '../policy-loader.js';
import { selfConflicts } from '../policy-self-check.js';
import type { Rule } from './types.js';

export const policyDocumentRule: Rule = {
  code: 'policy',
  description:
    'ClusterGraphDataPolicy / GraphDataPolicy documents: the policy schema, as --policy FILE checks it; a GraphDataPolicy must not loosen the cluster policy',
  appliesTo: (kind, apiVersion) => apiVersion === API_VERSION && (POLICY_KINDS as readonly string[]).includes(kind),
  check(obj, ctx) {
    // identityRule already reports a missing metadata.name; say it once.
    const found = policyFromObject(obj).diagnostics.filter(
      (d) => d.code !== 'policy-name' || obj.metadata?.generateName,
    );
    if (found.some((d) => d.severity === 'error')) return found;
    if (obj.kind === 'ClusterGraphDataPolicy') {
      const { policy } = policyFromObject(obj);
      return policy
        ? [
            ...found,
            ...checkNamespaceOverrides(policy),
            ...requiredPlacementWarnings(obj, policy),
            ...selfConflicts(policy),
          ]
        : found;
    }
    // ctx.policy is the cluster policy as the GraphDataPolicy's namespace sees it (its namespaceOverrides applied).
    if (obj.kind !== 'GraphDataPolicy' || ctx.policy.kind !== 'ClusterGraphDataPolicy') return found;
    const namespace = typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : 'default';
    const { policy } = namespacePolicyFromObject(
      { ...obj, metadata: { name: 'unnamed', ...obj.metadata } },
      { namespace },
    );
    // Without the namespace's labels (validate, policy files), the overrides selecting it by name apply.
    const base = ctx.policy.overrides
      ? ctx.policy
      : applyNamespaceOverrides(ctx.policy, { [NAMESPACE_NAME_LABEL]: namespace }).policy;
    if (!policy) return found;
    const loosens = checkLayering(base, policy);
    if (loosens.length) return [...found, ...loosens];
    const effective = effectivePolicy(base, policy);
    const placement = requiredPlacementWarnings(obj, effective);
    // Its limits with the cluster's injection settings: the pods of this namespace get both.
    // A conflict the cluster policy has on its own is the cluster policy's to report.
    if (selfConflicts({ ...base, profiles: {} }).length) return [...found, ...placement];
    const conflicts = selfConflicts({ ...effective, profiles: {} }).map((d) => ({
      ...d,
      message: d.message.replace(/^this policy injects/, 'the cluster policy injects here'),
      path: 'spec.limits.allowedRegistries',
    }));
    return [...found, ...placement, ...conflicts];
  },
};
