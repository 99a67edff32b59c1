// Manifests as `inject` prints them: YAML documents separated by `---`, or JSON (a List
// when several), like kubectl and like formatObjects. Document by document, so a large
// input can be written as it is formatted.
//
// YAML is written by js-yaml's dumper: about four times faster than `yaml`'s stringify
// on pods, which made most of the time of `inject` on large inputs. Its schema below
// decides which strings are quoted: every string that a YAML 1.2 reader (graphdata,
// `yaml`, js-yaml) or a YAML 1.1 reader (kubectl's sigs.k8s.io/yaml) would take for
// something else, so `"on"`, `"1_000"` or `"2024-01-01"` come back as the strings they were.
import { CORE_SCHEMA, Type, dump } from 'js-yaml';

const manifestJson = (objects: readonly unknown[]): string =>
  `${JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;

/** One object alone: a YAML document (no `---`), or indented JSON (no newline at the end). */
export const formatOne = (object: unknown, format: 'yaml' | 'json'): string =>
  format === 'yaml' ? manifestYaml(object) : JSON.stringify(object, null, 2);

const LIST_HEAD = '{\n  "apiVersion": "v1",\n  "kind": "List",\n  "items": [\n';

/**
 * The manifests of many documents, one document at a time, from each formatted alone
 * (formatOne): the strings returned by push() and end(), joined, are the documents
 * separated by `---`, or for JSON the one object or a List of them. JSON needs to know whether a document is the last one (a List or
 * not, a comma or not), so push() returns the text of the document before.
 */
export class ManifestPieces {
  private pending: string | undefined;
  private count = 0;

  constructor(private readonly format: 'yaml' | 'json') {}

  push(text: string): string {
    this.count++;
    if (this.format === 'yaml') return this.count > 1 ? `---\n${text}` : text;
    const previous = this.pending;
    this.pending = text;
    if (previous === undefined) return '';
    return `${this.count === 2 ? LIST_HEAD : ''}${listItem(previous)},\n`;
  }

  end(): string {
    if (this.format === 'yaml') return '';
    if (this.pending === undefined) return manifestJson([]);
    return this.count === 1 ? `${this.pending}\n` : `${listItem(this.pending)}\n  ]\n}\n`;
  }
}

// An item of the List's `items`, two levels in (JSON strings hold no raw newlines).
const listItem = (json: string): string => `    ${json.replaceAll('\n', '\n    ')}`;

// Plain scalars that YAML 1.1 readers resolve to something other than a string and that
// js-yaml's core schema does not already quote. go-yaml (kubectl) drops every `_` and
// then reads Go integers of any base and floats; timestamps; the merge key `<<`; `=`.
// (js-yaml's compatibility mode already quotes y/yes/on/off… and base-60 numbers.)
const NUMBER_11 =
  /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)$/;
const TIMESTAMP = /^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:$|[Tt ]|\t)/;
const YAML_11_ONLY = new Type('tag:graphdata.io,2026:yaml-1.1-scalar', {
  kind: 'scalar',
  // Quoting only: no value is ever represented by this type.
  resolve(s: string | null): boolean {
    if (!s) return false;
    const c = s.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)
      return NUMBER_11.test(s.includes('_') ? s.replaceAll('_', '') : s) || TIMESTAMP.test(s);
    return s === '<<' || s === '=';
  },
});
const DUMP_SCHEMA = CORE_SCHEMA.extend({ implicit: [YAML_11_ONLY] });

const DUMP_OPTIONS = {
  schema: DUMP_SCHEMA,
  // kubectl never prints anchors, folds long lines or sorts keys.
  noRefs: true,
  lineWidth: -1,
  // '{"v":1}' reads better than "{\"v\":1}" (annotations often hold JSON).
  quotingType: "'",
  skipInvalid: true,
} as const;

/** One object as a YAML document (no `---`): js-yaml's text, written by `blockYaml` when it can. */
export function manifestYaml(object: unknown): string {
  try {
    return blockYaml(object);
  } catch (e) {
    if (e !== UNUSUAL) throw e;
    return dumpYaml(object);
  }
}

/** Exactly what js-yaml's dumper writes: the fallback, and each distinct string below. */
export const dumpYaml = (object: unknown): string => dump(object, DUMP_OPTIONS);

// js-yaml spends most of its time deciding, character by character, how to write each
// string, and pods repeat the same strings (env names, paths, JVM options) thousands of
// times. So the block structure of plain JSON data (maps, sequences, numbers, booleans,
// null) is written here the way js-yaml writes it, and each distinct string is written
// by js-yaml once and remembered. Anything else (multi-line or very long strings, keys
// js-yaml would make explicit, non-finite numbers, values that are not JSON) sends the
// whole document to js-yaml. A test holds the two outputs equal.
const UNUSUAL = Symbol('written by js-yaml');
const scalars = new Map<string, string>();

// Strings js-yaml writes as they are (a test holds this to js-yaml for random strings
// of these characters): most names, paths, images and URLs. Only the words below of
// these characters are read as something else (booleans and null, in YAML 1.1 or 1.2).
const PLAIN = /^[A-Za-z_/][\w./@=*$()+-]*(?::[\w./@=*$()+-]+)*$/;
const WORDS = new Set(
  ['y', 'yes', 'n', 'no', 'on', 'off', 'true', 'false', 'null'].flatMap((w) => [
    w,
    w.toUpperCase(),
    w[0]!.toUpperCase() + w.slice(1),
  ]),
);

function scalar(s: string): string {
  if (s.length <= 1024 && PLAIN.test(s) && (s.length > 5 || !WORDS.has(s))) return s;
  let text = scalars.get(s);
  if (text === undefined) {
    // A lone scalar is its own document: js-yaml's text plus a newline.
    text = dumpYaml(s).slice(0, -1);
    if (text.includes('\n') || s.length > 1024) throw UNUSUAL;
    if (scalars.size >= 1 << 14) scalars.clear(); // bounded: inputs of all-distinct strings
    scalars.set(s, text);
  }
  return text;
}

function leaf(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return scalar(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      // js-yaml writes integers as they print; -0, floats and non-finite numbers its own way.
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
      throw UNUSUAL;
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return v.length ? undefined : '[]';
      if (Object.getPrototypeOf(v) !== Object.prototype) throw UNUSUAL;
      for (const _ in v) return undefined;
      return '{}';
    default:
      throw UNUSUAL; // undefined, functions, symbols, bigints: js-yaml's rules
  }
}

export function blockYaml(value: unknown): string {
  const text = leaf(value);
  if (text !== undefined) return `${text}\n`;
  return Array.isArray(value) ? blockSeq(value, '', '') : blockMap(value as Record<string, unknown>, '', '');
}

/** A non-empty map whose first line starts with `first` and the others with `indent`. */
function blockMap(map: Record<string, unknown>, indent: string, first: string): string {
  let out = '';
  let prefix = first;
  for (const key in map) {
    const v = map[key];
    if (v === undefined) throw UNUSUAL;
    const text = leaf(v);
    const head = `${prefix}${scalar(key)}:`;
    if (text !== undefined) out += `${head} ${text}\n`;
    else {
      const inner = `${indent}  `;
      out += `${head}\n${Array.isArray(v) ? blockSeq(v, inner, inner) : blockMap(v as Record<string, unknown>, inner, inner)}`;
    }
    prefix = indent;
  }
  return out;
}

/** A non-empty sequence, `- ` items, the first starting with `first`, the others with `indent`. */
function blockSeq(seq: readonly unknown[], indent: string, first: string): string {
  let out = '';
  let prefix = first;
  const inner = `${indent}  `;
  for (const v of seq) {
    const text = leaf(v);
    if (text !== undefined) out += `${prefix}- ${text}\n`;
    else
      out += Array.isArray(v)
        ? blockSeq(v, inner, `${prefix}- `)
        : blockMap(v as Record<string, unknown>, inner, `${prefix}- `);
    prefix = indent;
  }
  return out;
}
