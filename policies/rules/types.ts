// The rule interface: pure checks over one Kubernetes object. Rules report field
// paths only; whoever holds the source (validate, the webhook) turns paths into
// lines or AdmissionReview messages.
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { Policy, PolicySpec } from '../model.js';
import type { ProfileScope } from '../profile-choice.js';
import { POD_TEMPLATE_KINDS } from '../k8s.js';
import { ruleMode } from '../rule-codes.js';

/** Any Kubernetes object as parsed from YAML/JSON or received in an AdmissionReview. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: any;
  [field: string]: unknown;
}

export interface RuleContext {
  policy: Policy;
  /** The policy spec for this object: the profile it asks for (`graphdata.io/profile`), if granted, laid over the policy. */
  spec: PolicySpec;
  /** Where the objects run (admission: the request's namespace and its labels); else each object's own namespace. */
  scope?: ProfileScope;
  /** Every object of the same input (a validate run, an AdmissionReview has just one): for cross-document rules. */
  objects: readonly KubeObject[];
}

export interface Rule {
  /** Stable code; every diagnostic the rule reports carries it. */
  code: string;
  description: string;
  appliesTo(kind: string, apiVersion: string): boolean;
  /** Diagnostics with `path` relative to `obj`; never file or line. */
  check(obj: KubeObject, ctx: RuleContext): Diagnostic[];
}

export const groupOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';

/**
 * Policy limits and placement follow the rule's mode (its `ruleModes` entry, else the
 * policy's mode): Enforce denies (error), Audit admits with a warning.
 */
export const modeSeverity = (ctx: RuleContext, code: string): Severity =>
  ruleMode(ctx.spec, code) === 'Enforce' ? 'error' : 'warning';

export const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const SPARK_GROUP = 'sparkoperator.k8s.io';
export const STARROCKS_GROUP = 'starrocks.com';
export const FLUID_GROUP = 'data.fluid.io';

/** Pods, pod templates and the custom resources that become pods: where workload strings live. */
export function isWorkloadKind(kind: string, apiVersion: string): boolean {
  const group = groupOf(apiVersion);
  return (
    kind === 'Pod' ||
    kind === 'CronJob' ||
    POD_TEMPLATE_KINDS.has(kind) ||
    group === SPARK_GROUP ||
    group === STARROCKS_GROUP
  );
}

/** Objects that may live in the same namespace: equal namespaces, or one not saying (the -n default applies). */
export const sameNamespace = (a: KubeObject, b: KubeObject): boolean =>
  !a.metadata?.namespace || !b.metadata?.namespace || a.metadata.namespace === b.metadata.namespace;

/** The first Fluid object of `kinds` that shares a namespace with `obj`. */
export const fluidNeighbour = (
  obj: KubeObject,
  ctx: RuleContext,
  kinds: readonly string[],
  extra: (o: KubeObject) => boolean = () => true,
): KubeObject | undefined =>
  fluidObjects(ctx.objects).find((o) => kinds.includes(o.kind ?? '') && sameNamespace(o, obj) && extra(o));

// The Fluid objects of an input, found once per input rather than once per object
// asking: scanning every object for every workload made 10,000 pods quadratic.
const fluidByInput = new WeakMap<readonly KubeObject[], KubeObject[]>();
function fluidObjects(objects: readonly KubeObject[]): KubeObject[] {
  let found = fluidByInput.get(objects);
  if (!found) {
    found = objects.filter((o) => groupOf(o.apiVersion ?? '') === FLUID_GROUP);
    fluidByInput.set(objects, found);
  }
  return found;
}
