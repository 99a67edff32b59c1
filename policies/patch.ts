// RFC 6902 patch between the pod we were given and the pod the engine returned.
import jsonpatch, { type Operation } from 'fast-json-patch';

export type PatchOperation = Operation;

export function podPatch(original: unknown, mutated: unknown): PatchOperation[] {
  return jsonpatch.compare(original as object, mutated as object);
}

/** Applies a patch with validation, as the apiserver would; throws on an op that does not apply. */
export function applyPodPatch<T>(original: T, patch: PatchOperation[]): T {
  return jsonpatch.applyPatch(structuredClone(original), patch, true, false).newDocument;
}
