// A policy document that asks for required placement (`placement.mode: required`, in its
// spec or a profile) is admitted with a warning: its pods can run only on nodes with the
// placement labels and stay Pending while none is schedulable, where `preferred` lets
// them run elsewhere. `nodeSelector`, the built-in default that `scaffold policy
// --cluster` spells out, is just as hard but is not warned about here (every default
// policy would warn, and fail `validate --strict`); `doctor` checks the nodes for both. Pure.
import { type Diagnostic, diagnostic } from './diagnostics.js';
import { type Policy, resolveSpec } from './model.js';
import { isObject } from './rules/types.js';

const WARNED = new Set(['required']);

const modeWritten = (settings: unknown): unknown =>
  isObject(settings) && isObject(settings.placement) ? settings.placement.mode : undefined;

/**
 * One warning per place in `doc` (the raw object) that writes `placement.mode: required`, with
 * the labels in effect there; `policy` is the document loaded, or layered for a namespace.
 */
export function requiredPlacementWarnings(doc: Record<string, unknown>, policy: Policy): Diagnostic[] {
  const spec = isObject(doc.spec) ? doc.spec : {};
  const places: { path: string; profile?: string }[] = [];
  if (WARNED.has(modeWritten(spec) as string)) places.push({ path: 'spec.placement.mode' });
  if (isObject(spec.profiles)) {
    for (const [profile, settings] of Object.entries(spec.profiles)) {
      if (WARNED.has(modeWritten(settings) as string) && Object.hasOwn(policy.profiles, profile))
        places.push({ path: `spec.profiles.${profile}.placement.mode`, profile });
    }
  }
  return places.flatMap(({ path, profile }) => {
    const { mode, nodeLabels } = resolveSpec(policy, profile).placement;
    const labels = Object.entries(nodeLabels).map(([k, v]) => `${k}=${v}`);
    if (labels.length === 0) return []; // no labels: placement adds nothing
    const pods = profile === undefined ? 'injected pods' : `pods of profile ${profile}`;
    return diagnostic(
      'warning',
      'placement-required',
      `${pods} wait Pending unless a node is labelled ${labels.join(',')} (placement.mode ${mode})`,
      { path, hint: 'doctor checks for such nodes; mode preferred runs pods elsewhere' },
    );
  });
}
