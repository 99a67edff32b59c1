// Invariants every injected pod keeps, shared by the fixture, golden and property tests.
import type { Pod } from '../../policies/k8s.js';

/**
 * Volumes the injection added that no container (init, regular or ephemeral) mounts.
 * A dangling hostPath alone can get a pod denied by PodSecurity, for nothing.
 */
export function danglingAddedVolumes(before: Pod, after: Pod): string[] {
  const had = new Set((before.spec?.volumes ?? []).map((v) => v.name));
  const spec = after.spec;
  const mounted = new Set(
    [...(spec?.initContainers ?? []), ...(spec?.containers ?? []), ...(spec?.ephemeralContainers ?? [])].flatMap((c) =>
      (c.volumeMounts ?? []).map((m) => m.name),
    ),
  );
  return (spec?.volumes ?? []).map((v) => v.name).filter((name) => !had.has(name) && !mounted.has(name));
}
