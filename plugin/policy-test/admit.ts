// One object through graphdata's admission, as the apiserver would send it at CREATE in
// an opted-in namespace: the mutating webhook's engine for pods, then the validating
// webhook's decision (policies/enforcement.ts `enforce`, what POST /validate calls) on
// the patched object. Nothing here decides anything of its own.
import { VALIDATED_RESOURCES } from '../../common/registration.js';
import { formatDiagnostic, warningText } from '../../policies/diagnostics.js';
import { inject, type InjectOptions } from '../../policies/engine.js';
import { denialMessage, enforce } from '../../policies/enforcement.js';
import type { Pod } from '../../policies/k8s.js';
import { GROUP, type Policy } from '../../policies/model.js';

export type VerdictName = 'allow' | 'warn' | 'deny';

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

/** Does the validating registration send this kind at CREATE? (Its resource rules, and the policy webhook.) */
export function validatedAtCreate(kind: string, apiVersion: string): boolean {
  if (groupOf(apiVersion) === GROUP) return true;
  return VALIDATED_RESOURCES.some(
    (r) => r.kind === kind && r.group === groupOf(apiVersion) && r.version === versionOf(apiVersion),
  );
}

export interface AdmitOptions extends InjectOptions {
  /** As if the mutating webhook were down (its registration fails open): only /validate runs. */
  mutatingWebhookDown?: boolean;
}

export function admit(object: Record<string, unknown>, policy: Policy, opts: AdmitOptions = {}): Admission {
  const { mutatingWebhookDown, ...injectOptions } = opts;
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const webhooks: Admission['webhooks'] = [];
  const warnings: string[] = [];
  let patched: unknown = object;
  if (kind === 'Pod' && apiVersion === 'v1' && !mutatingWebhookDown) {
    webhooks.push('mutate');
    const injection = inject(object as Pod, policy, injectOptions);
    patched = injection.pod;
    for (const d of injection.diagnostics) warnings.push(warningText(d));
  }
  if (!validatedAtCreate(kind, apiVersion))
    return { patched, verdict: warnings.length ? 'warn' : 'allow', warnings, webhooks };
  webhooks.push('validate');
  const verdict = enforce({ object: patched, operation: 'CREATE', inject: injectOptions }, policy);
  for (const f of verdict.warnings) warnings.push(warningText(f.diagnostic));
  if (!verdict.allowed)
    return { patched, verdict: 'deny', denial: denialMessage(verdict.denials, formatDiagnostic), warnings, webhooks };
  return { patched, verdict: warnings.length ? 'warn' : 'allow', warnings, webhooks };
}
