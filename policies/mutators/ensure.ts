// "Add it unless it is there" for named list entries: the rule that makes every
// mutator idempotent and never produces a duplicate the apiserver rejects with 422.
import { isDeepStrictEqual } from 'node:util';
import type { Container, Pod } from '../k8s.js';

/**
 * True when every field of `want` has the same value in `have`. The apiserver fills
 * defaults (terminationMessagePath, imagePullPolicy, …) into what we added, so on
 * reinvocation our own additions are supersets of what we would add.
 */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && want.length === have.length && want.every((w, i) => isSubset(w, have[i]));
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => v === undefined || isSubset(v, (have as Record<string, unknown>)[k]));
  }
  return isDeepStrictEqual(want, have);
}

export const byName =
  (name: string) =>
  (e: { name?: string }): boolean =>
    e.name === name;

/** A target container with its field path (`spec.containers[2]`), found in one pass over the pod. */
export interface Target {
  c: Container;
  where: string;
  /** The same as a JSON pointer (`/spec/containers/2`), for recorded edits. */
  at: string;
}

/** The pod's containers that the context targets, in pod order; linear in the number of containers. */
export function targetContainers(pod: Pod, targets: readonly string[]): Target[] {
  const out: Target[] = [];
  const containers = pod.spec?.containers;
  if (!containers) return out;
  // Targets are one or two names: a scan of them beats building a Set per call.
  for (let i = 0; i < containers.length; i++) {
    const c = containers[i]!;
    if (targets.includes(c.name)) out.push({ c, where: `spec.containers[${i}]`, at: `/spec/containers/${i}` });
  }
  return out;
}

/** Index of the last entry named `name`: for env, the definition that wins at run time. */
export function lastIndexByName(list: readonly { name?: string }[], name: string): number {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.name === name) return i;
  return -1;
}
