// A policy must pass its own limits: the images it injects (the Alluxio client jar's
// init container, after its mirrors) must come from a registry its allowedRegistries
// allow, or every pod it injects is denied (Enforce) or warned about (Audit) by the
// very policy that injected it. Checked wherever a policy is written or read:
// scaffold, validate (documents and --policy), policy test and the webhook's /validate
// on policy objects. Pure.
import { diagnostic, joinPath, type Diagnostic } from './diagnostics.js';
import { parseImage, registryOf, resolveImage } from './image-ref.js';
import { type Policy, type PolicySpec, resolveSpec } from './model.js';
import { ruleMode } from './rule-codes.js';
import { allowedImage } from './rules/limits-sources.js';

export const SELF_CONFLICT_CODE = 'policy-blocks-itself';

/** The spec and each profile's spec (profile settings laid over it), with where each is written. */
function specsOf(policy: Policy): { spec: PolicySpec; at: string; what: string }[] {
  return [
    { spec: policy.spec, at: 'spec', what: 'this policy' },
    ...Object.keys(policy.profiles).map((name) => ({
      spec: resolveSpec(policy, name),
      at: joinPath(['spec', 'profiles', name]),
      what: `profile ${name}`,
    })),
  ];
}

/**
 * Warnings (never errors: the policy is valid, and an admin must be able to create it) for
 * each injected image its own limits refuse: at the registry limit, or at a profile's own image.
 */
export function selfConflicts(policy: Policy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const { spec, at, what } of specsOf(policy)) {
    const allowed = spec.limits.allowedRegistries;
    if (!allowed?.length) continue;
    const injected = resolveImage(spec.alluxio.image, spec.images).image;
    if (allowedImage(injected, allowed)) continue;
    const key = `${injected}\u0000${allowed.join(',')}`;
    if (seen.has(key) && at !== 'spec') continue;
    seen.add(key);
    const registry = registryOf(parseImage(injected));
    const outcome =
      ruleMode(spec, 'registry-not-allowed') === 'Enforce'
        ? 'every pod it injects is denied'
        : 'every pod it injects is admitted with a registry-not-allowed warning';
    out.push(
      diagnostic(
        'warning',
        SELF_CONFLICT_CODE,
        `${what} injects the Alluxio client image ${injected} (from ${registry}), which its own limits.allowedRegistries (${allowed.join(', ')}) refuse: ${outcome}`,
        {
          // The limit is what a policy writes; a profile's own image is what it adds.
          path: at === 'spec' ? 'spec.limits.allowedRegistries' : `${at}.alluxio.image`,
          hint: `copy the image to an allowed registry and add images.mirrors [{from: ${registry}, to: ${allowed[0]}}], or set alluxio.image to an image from ${allowed.join(', ')}, or allow ${registry}`,
        },
      ),
    );
  }
  return out;
}
