// RFC 6902 patches. The webhook's patch is recorded as the mutators change the pod
// (PodEdits), never computed by diffing two documents; the tests check it against such a
// diff (test/support/pod-patch.ts).
import type { Operation } from 'fast-json-patch';

export type PatchOperation = Operation;

const escapeSegment = (key: string | number): string => {
  if (typeof key === 'number') return String(key);
  // Most keys need no escaping: check before building new strings.
  if (!key.includes('~') && !key.includes('/')) return key;
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
};

/** The JSON pointer of `key` under the pointer `parent` ('' is the document). */
export const pointer = (parent: string, key: string | number): string => `${parent}/${escapeSegment(key)}`;

type ListItem<L> = NonNullable<L> extends readonly (infer E)[] ? E : never;

/**
 * The mutators' changes, each made through here and recorded as the RFC 6902 operation
 * that makes it: the webhook's patch comes from the mutators' own work instead of a
 * copy of the pod and a diff (most of an admission's engine time, BENCHMARKS.md).
 * Applied in order to the pod as it was, the operations give the pod as it is now.
 * An operation holds the value it added itself, not a copy: a later change inside an
 * added value is made in place and carried by that operation when it is serialised,
 * so read `ops` once the mutators are done.
 */
export class PodEdits {
  readonly ops: PatchOperation[] = [];
  /** Objects and lists that an operation added: changes inside them need no operation of their own. */
  private readonly added = new Set<object>();

  private record(op: 'add' | 'replace', path: string, value: unknown): void {
    this.markAdded(value);
    this.ops.push({ op, path, value });
  }

  private markAdded(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    this.added.add(value);
    if (Array.isArray(value)) {
      for (const child of value) if (typeof child === 'object' && child !== null) this.markAdded(child);
      return;
    }
    // for…in over own keys, without the array Object.values would build for each object.
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const child = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null) this.markAdded(child);
    }
  }

  /** Sets `owner[key]`; `at` is the pointer of `owner`. Nothing is recorded when the value is already there. */
  set<O extends object, K extends keyof O & string>(owner: O, key: K, value: O[K], at: string): void {
    const exists = Object.hasOwn(owner, key);
    if (exists && owner[key] === value) return;
    owner[key] = value;
    if (this.added.has(owner)) this.markAdded(value);
    else this.record(exists ? 'replace' : 'add', pointer(at, key), value);
  }

  /** `owner[key]`, first set to `{}` when missing. */
  object<O extends object, K extends keyof O & string>(owner: O, key: K, at: string): NonNullable<O[K]> {
    const current = owner[key];
    if (current !== undefined && current !== null) return current as NonNullable<O[K]>;
    const created = {} as NonNullable<O[K]>;
    this.set(owner, key, created, at);
    return created;
  }

  /** Appends `item` to the list `owner[key]`, creating the list when missing. */
  append<O extends object, K extends keyof O & string>(owner: O, key: K, item: ListItem<O[K]>, at: string): void {
    const list = owner[key] as unknown as ListItem<O[K]>[] | undefined;
    if (list === undefined || list === null) {
      this.set(owner, key, [item] as O[K], at);
      return;
    }
    this.insert(list, list.length, item, pointer(at, key));
  }

  /** Inserts `item` into `list` (at pointer `at`) before `index`; `index` = length appends. */
  insert<T>(list: T[], index: number, item: T, at: string): void {
    list.splice(index, 0, item);
    if (this.added.has(list)) this.markAdded(item);
    else this.record('add', pointer(at, index), item);
  }
}
