// Test-only patch helpers: podPatch diffs two documents (what the webhook's recorded
// patch is checked against) and applyPodPatch applies a patch with validation, as the
// apiserver does.
import jsonpatch from 'fast-json-patch';
import { type PatchOperation, pointer } from '../../policies/patch.js';

type Json = unknown;
const isContainer = (v: Json): v is Record<string, Json> | Json[] => typeof v === 'object' && v !== null;

/**
 * The operations that turn `original` into `mutated`, both plain JSON values. Arrays are
 * compared index by index (the mutators only append), so an appended entry is one `add`.
 */
export function podPatch(original: unknown, mutated: unknown): PatchOperation[] {
  const ops: PatchOperation[] = [];
  const stack: (string | number)[] = [];
  const pathTo = (last?: string | number): string => {
    let path = '';
    for (const segment of stack) path = pointer(path, segment);
    return last === undefined ? path : pointer(path, last);
  };
  const walk = (a: Json, b: Json): void => {
    if (a === b) return;
    if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) {
      ops.push({ op: 'replace', path: pathTo(), value: b });
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const shared = Math.min(a.length, b.length);
      for (let i = 0; i < shared; i++) descend(i, a[i], b[i]);
      for (let i = a.length - 1; i >= b.length; i--) ops.push({ op: 'remove', path: pathTo(i) });
      for (let i = a.length; i < b.length; i++) ops.push({ op: 'add', path: pathTo(i), value: b[i] });
      return;
    }
    const from = a as Record<string, Json>;
    const to = b as Record<string, Json>;
    for (const key of Object.keys(from)) {
      if (!Object.hasOwn(to, key)) ops.push({ op: 'remove', path: pathTo(key) });
      else descend(key, from[key], to[key]);
    }
    for (const key of Object.keys(to)) {
      if (!Object.hasOwn(from, key)) ops.push({ op: 'add', path: pathTo(key), value: to[key] });
    }
  };
  const descend = (key: string | number, a: Json, b: Json): void => {
    if (a === b) return;
    stack.push(key);
    walk(a, b);
    stack.pop();
  };
  walk(original, mutated);
  return ops;
}

/**
 * Applies a patch with validation, as the apiserver would; throws on an op that does not apply.
 * Both are copied first: the apiserver gets the patch as bytes, so an added value never aliases.
 */
export function applyPodPatch<T>(original: T, patch: PatchOperation[]): T {
  return jsonpatch.applyPatch(structuredClone(original), structuredClone(patch), true, false).newDocument;
}
