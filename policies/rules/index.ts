// The rule list and the entry points. Pure: objects in, diagnostics with field paths
// out. `validate` maps paths to lines; the validating webhook turns them into
// AdmissionReview denials or warnings.
import { ANNOTATION_PROFILE, type Policy } from '../model.js';
import type { Diagnostic } from '../diagnostics.js';
import { isList } from '../k8s.js';
import { chooseProfile, type ProfileScope } from '../profile-choice.js';
import { minAboveMaxRule, removedApiRule } from './autoscaling.js';
import { clientJarRule } from './client-jar.js';
import { socketPathRule } from './domain-socket.js';
import { fluidPortRule } from './fluid-ports.js';
import { identityRule } from './identity.js';
import { alluxioPathRule, hostPathRule, registryRule } from './limits-sources.js';
import { cnReplicasRule, executorCoresRule, executorMemoryRule, resourcesRequiredRule } from './limits-sizes.js';
import { prefixPath } from '../diagnostics.js';
import { nameRule } from './invalid-name.js';
import { placeholderRule } from './placeholders.js';
import { withViewCache } from './pod-view.js';
import { placementRule } from './placement.js';
import { policyDocumentRule } from './policy-document.js';
import { requestAboveLimitRule } from './resources.js';
import { schemaRule } from './schema.js';
import { servedApiRule } from './served-api.js';
import { coreLimitRule, sparkImageRule } from './spark.js';
import { isObject, type KubeObject, type Rule, type RuleContext } from './types.js';
import { volumeMountRule } from './volumes.js';

export const RULES: readonly Rule[] = [
  identityRule,
  servedApiRule,
  nameRule,
  policyDocumentRule,
  schemaRule,
  placeholderRule,
  minAboveMaxRule,
  removedApiRule,
  socketPathRule,
  placementRule,
  clientJarRule,
  fluidPortRule,
  volumeMountRule,
  coreLimitRule,
  sparkImageRule,
  requestAboveLimitRule,
  registryRule,
  hostPathRule,
  alluxioPathRule,
  resourcesRequiredRule,
  executorCoresRule,
  executorMemoryRule,
  cnReplicasRule,
];

/** Objects with the items of Lists in their place. */
function flatten(objects: readonly unknown[]): KubeObject[] {
  return objects.filter(isObject).flatMap((o) => (isList(o) ? flatten(o.items) : [o as KubeObject]));
}

/**
 * Context for checking the objects of one input together (cross-document rules see them
 * all). `scope` is where they run, as the mutating side is told (the admission request's
 * namespace and its labels): profiles are granted by it.
 */
export function ruleContext(policy: Policy, objects: readonly unknown[], scope?: ProfileScope): RuleContext {
  return { policy, spec: policy.spec, objects: flatten(objects), ...(scope ? { scope } : {}) };
}

/** The profile a workload asks for, on the object or its pod template. */
function profileOf(obj: KubeObject): string | undefined {
  const own = obj.metadata?.annotations?.[ANNOTATION_PROFILE];
  const template = obj.spec?.template?.metadata?.annotations?.[ANNOTATION_PROFILE];
  return typeof own === 'string' ? own : typeof template === 'string' ? template : undefined;
}

/** A finding with the code of the rule that reported it (the key of `ruleModes`). */
export interface RuleFinding {
  rule: string;
  diagnostic: Diagnostic;
}

/** All findings for one document, each with its rule; paths are relative to it. Lists are checked item by item. */
export function checkObjectByRule(value: unknown, ctx: RuleContext, rules: readonly Rule[] = RULES): RuleFinding[] {
  if (!isObject(value)) return [];
  const obj = value as KubeObject;
  if (isList(obj)) {
    return obj.items.flatMap((item, i) =>
      checkObjectByRule(item, ctx, rules).map((f) => ({
        ...f,
        diagnostic: { ...f.diagnostic, path: prefixPath(['items', i], f.diagnostic.path) },
      })),
    );
  }
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  // The spec mutation gives this object's pods: a profile reserved for other namespaces is not honoured here either.
  const namespace = ctx.scope?.namespace ?? obj.metadata?.namespace;
  const { spec } = chooseProfile(profileOf(obj), ctx.policy, {
    namespace: typeof namespace === 'string' ? namespace : undefined,
    namespaceLabels: ctx.scope?.namespaceLabels,
  });
  const objectCtx: RuleContext = { ...ctx, spec };
  const seen = new Set<string>();
  return withViewCache(() =>
    rules
      .filter((r) => r.appliesTo(kind, apiVersion))
      .flatMap((r) => r.check(obj, objectCtx).map((diagnostic) => ({ rule: r.code, diagnostic }))),
  ).filter(({ diagnostic: d }) => {
    // A SparkApplication's driver and executor share spec.volumes: say it once.
    const key = `${d.code}\u0000${d.path ?? ''}\u0000${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** All findings for one document; paths are relative to it. Lists are checked item by item. */
export function checkObject(value: unknown, ctx: RuleContext, rules: readonly Rule[] = RULES): Diagnostic[] {
  return checkObjectByRule(value, ctx, rules).map((f) => f.diagnostic);
}

export type { KubeObject, Rule, RuleContext } from './types.js';
