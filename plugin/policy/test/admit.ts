// One object through graphdata's admission, as the apiserver would send it at CREATE (or
// UPDATE, of the object or of a pod subresource) in an opted-in namespace, or through the
// pod-level entries elsewhere (labelled pods, under the cluster policy's spec.podOptIn,
// with /validate/pod-opt-in's gate first): the mutating webhook's engine for pods at CREATE, then
// the validating webhook's decision (policies/enforcement.ts `enforce`, what POST /validate
// calls) on the patched object, when the registration sends it that object at that
// operation. Nothing here decides anything of its own.
import { isDeepStrictEqual } from 'node:util';
import type { VALIDATED_POD_SUBRESOURCES } from '../../../common/cluster-names.js';
import { VALIDATED_RESOURCES } from '../../webhook-objects/registration.js';
import { admissionWarnings } from '../../../policies/admission-warnings.js';
import { formatDiagnostic } from '../../../policies/diagnostics.js';
import { inject, type InjectOptions } from '../../../policies/engine.js';
import { denialMessage, enforce } from '../../../policies/enforcement.js';
import type { Pod } from '../../../policies/k8s.js';
import { detectWorkload } from '../../../policies/workloads.js';
import { ANNOTATION_PROFILE, GROUP, type Policy } from '../../../policies/model.js';
import {
  hasOptInLabel,
  POD_OPT_IN_RULE,
  podOptInGate,
  type PodOptInScope,
  podOptInWarning,
} from '../../../policies/pod-opt-in.js';

export type VerdictName = 'allow' | 'warn' | 'deny';
export type Operation = 'CREATE' | 'UPDATE';
/** A pod subresource whose UPDATE the validating webhook judges (`kubectl debug`, in-place resize). */
export type PodSubresource = (typeof VALIDATED_POD_SUBRESOURCES)[number];

export interface Admission {
  /** The object after the mutating webhook (the input itself when it changed nothing or was not called). */
  patched: unknown;
  verdict: VerdictName;
  /** The denial message kubectl shows, on deny. */
  denial?: string;
  /** Every admission warning, mutating webhook's first, as kubectl prints them after `Warning: `. */
  warnings: string[];
  /** The webhooks the apiserver would call for this object. */
  webhooks: ('mutate' | 'validate')[];
}

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');
const versionOf = (apiVersion: string): string => apiVersion.split('/').pop()!;

const specOf = (o: Record<string, unknown> | undefined): unknown => o?.spec;
const profileOf = (o: Record<string, unknown>): string => {
  const annotations = (o.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations ?? {};
  return Object.hasOwn(annotations, ANNOTATION_PROFILE) ? String(annotations[ANNOTATION_PROFILE]) : '';
};

/**
 * Does the validating registration send this kind at this operation? Its resource rules
 * (every kind at CREATE and UPDATE, pods also on the subresources it names), the policy
 * webhook (policies always), and on UPDATE its match condition: only a change of `spec` or
 * of the profile annotation's value is sent.
 */
export function validatedAt(
  kind: string,
  apiVersion: string,
  operation: Operation = 'CREATE',
  object?: Record<string, unknown>,
  oldObject?: Record<string, unknown>,
  subresource?: string,
): boolean {
  if (groupOf(apiVersion) === GROUP) return subresource === undefined;
  const resource = VALIDATED_RESOURCES.find(
    (r) => r.kind === kind && r.group === groupOf(apiVersion) && r.version === versionOf(apiVersion),
  );
  if (!resource) return false;
  if (subresource !== undefined) {
    const named: readonly string[] = 'subresources' in resource ? resource.subresources : [];
    if (operation !== 'UPDATE' || !named.includes(subresource)) return false;
  }
  if (operation === 'CREATE' || !object || !oldObject) return true;
  return (
    specOf(object) === undefined ||
    specOf(oldObject) === undefined ||
    !isDeepStrictEqual(specOf(object), specOf(oldObject)) ||
    profileOf(object) !== profileOf(oldObject)
  );
}

export interface AdmitOptions extends InjectOptions {
  /** As if the mutating webhook were down (its registration fails open): only /validate runs. */
  mutatingWebhookDown?: boolean;
  /** CREATE unless said; the mutating webhook injects at CREATE only. */
  operation?: Operation;
  /** On UPDATE, the stored object: what it already broke is not denied again. */
  oldObject?: Record<string, unknown>;
  /**
   * The namespace is not opted in: only the pod-level entries serve it (labelled pods),
   * and this says whether the cluster policy's spec.podOptIn allows that there.
   */
  podOptIn?: PodOptInScope;
  /** On UPDATE of a pod: the subresource written (`ephemeralcontainers`, `resize`), else the pod itself. */
  subresource?: PodSubresource;
}

export function admit(object: Record<string, unknown>, policy: Policy, opts: AdmitOptions = {}): Admission {
  const { mutatingWebhookDown, operation = 'CREATE', oldObject, subresource, podOptIn, ...injectOptions } = opts;
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const webhooks: Admission['webhooks'] = [];
  const warnings: string[] = [];
  let patched: unknown = object;
  const isPod = kind === 'Pod' && apiVersion === 'v1';
  // Outside opted-in namespaces the pod-level entries see pods labelled (now or before) only.
  if (podOptIn && !(isPod && (hasOptInLabel(object) || (operation === 'UPDATE' && hasOptInLabel(oldObject)))))
    return { patched, verdict: 'allow', warnings, webhooks };
  if (isPod && operation === 'CREATE' && !mutatingWebhookDown && (!podOptIn || hasOptInLabel(object))) {
    webhooks.push('mutate');
    // The entry's match condition sends workload pods only: only they are warned.
    if (podOptIn && !podOptIn.allowed)
      warnings.push(...(detectWorkload(object as Pod) ? [podOptInWarning(podOptIn)] : []));
    else {
      const injection = inject(object as Pod, policy, injectOptions);
      patched = injection.pod;
      // Capped as /mutate caps them: kubectl would print no more.
      warnings.push(...admissionWarnings(injection.diagnostics));
    }
  }
  // /validate/pod-opt-in's gate comes before the rules: it also sees an UPDATE that only changes the label.
  const gate = podOptIn ? podOptInGate(podOptIn, operation, object, oldObject) : 'judge';
  if (gate === 'skip') return { patched, verdict: warnings.length ? 'warn' : 'allow', warnings, webhooks };
  if (gate !== 'judge') {
    webhooks.push('validate');
    const denial = denialMessage([{ rule: POD_OPT_IN_RULE, diagnostic: gate }], formatDiagnostic);
    return { patched, verdict: 'deny', denial, warnings, webhooks };
  }
  if (!validatedAt(kind, apiVersion, operation, object, oldObject, subresource))
    return { patched, verdict: warnings.length ? 'warn' : 'allow', warnings, webhooks };
  webhooks.push('validate');
  const verdict = enforce(
    { object: patched, ...(oldObject ? { oldObject } : {}), operation, inject: injectOptions },
    policy,
  );
  // Capped as /validate caps them.
  warnings.push(
    ...admissionWarnings(
      verdict.warnings.map((f) => f.diagnostic),
      'kubectl graphdata validate',
    ),
  );
  if (!verdict.allowed)
    return { patched, verdict: 'deny', denial: denialMessage(verdict.denials, formatDiagnostic), warnings, webhooks };
  return { patched, verdict: warnings.length ? 'warn' : 'allow', warnings, webhooks };
}
