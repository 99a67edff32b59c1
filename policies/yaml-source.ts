// Multi-document YAML with positions: every finding can name file, line and column.
// Pure: takes text, returns documents; the shells do the reading.
//
// Two parsers, one result. Values come from js-yaml, several times faster than `yaml`
// and far smaller in memory (a 77 MB stream of pods: seconds and hundreds of MB instead
// of a minute and gigabytes). Positions come from `yaml`'s node ranges, computed only
// for a document that has a finding, on that document's text alone. Documents js-yaml
// would read differently from `yaml` (anchors, aliases, tags, directives) and documents
// with errors go to `yaml` whole, so values and error messages stay those of `yaml`.
import { FAILSAFE_SCHEMA, Type, load as loadFast } from 'js-yaml';
import type { Document, LineCounter as LineCounterType, Node, Pair, YAMLMap } from 'yaml';
import { diagnostic, type Diagnostic } from './diagnostics.js';

export interface SourceDocument {
  /** Plain JS value of the document (null for an empty document). */
  value: unknown;
  /** 0-based index in the stream. */
  index: number;
  /** Line and column of a field path inside this document, best effort. */
  position(path: readonly (string | number)[]): { line: number; column: number } | undefined;
}

export interface ParsedSource {
  file: string;
  documents: SourceDocument[];
  diagnostics: Diagnostic[];
}

type Position = { line: number; column: number };

// `yaml` is loaded on first use: a clean input needs only js-yaml, and a short command's
// start-up should not pay for the second parser, nor for `node:module` (loading it loads
// the ES module loader too, about 0.3 ms of the plugin's start-up on Node 22).
type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;
const yaml = (): YamlModule => {
  yamlModule ??= process.getBuiltinModule('node:module').createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
};

export function parseYamlSource(text: string, file = '<stdin>'): ParsedSource {
  const diagnostics: Diagnostic[] = [];
  const documents: SourceDocument[] = [];
  for (const part of yamlDocuments(text, file)) {
    documents.push(...part.documents);
    diagnostics.push(...part.diagnostics);
  }
  return { file, documents, diagnostics };
}

/**
 * The documents of `text` one at a time (a few at once only where `yaml` reads the
 * stream whole), each parsed when asked for: a caller that formats and drops each
 * document holds one at a time, whatever the size of the input.
 */
export function* yamlDocuments(
  text: string,
  file = '<stdin>',
): Generator<{ documents: SourceDocument[]; diagnostics: Diagnostic[] }> {
  const slices = splitDocuments(text);
  if (!slices) {
    yield parseExact(text, file, { offset: 0, line: 1, index: 0 }, [], []);
    return;
  }
  let index = 0;
  for (const slice of slices) {
    const source = text.slice(slice.start, slice.end);
    const value = UNUSUAL.test(source) ? FAIL : loadOne(source);
    const part =
      value === FAIL
        ? parseExact(source, file, { offset: slice.start, line: slice.line, index }, [], [])
        : { documents: [{ value, index, position: lazyPosition(source, slice.line) }], diagnostics: [] };
    index += part.documents.length;
    yield part;
  }
}

interface Slice {
  start: number;
  end: number;
  /** 1-based line of `start` in the whole text. */
  line: number;
}

/**
 * Document boundaries: a line starting with `---` opens a document. YAML forbids that
 * line inside any scalar (c-forbidden), so no parse is needed to find it. Returns
 * undefined for streams with directives or `...` markers, which `yaml` reads whole.
 */
function splitDocuments(text: string): Slice[] | undefined {
  if (/^(?:%|\.\.\.(?:[ \t\r\n]|$))/m.test(text)) return undefined;
  const markers: { start: number; line: number }[] = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  let line = 1;
  let counted = 0;
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    line += countLines(text, counted, m.index);
    counted = m.index;
    markers.push({ start: m.index, line });
  }
  const slices: Slice[] = [];
  // Text before the first marker is a document only if it holds more than comments.
  const firstEnd = markers[0]?.start ?? text.length;
  if (hasContent(text.slice(0, firstEnd))) slices.push({ start: 0, end: firstEnd, line: 1 });
  markers.forEach((m, i) => {
    slices.push({ start: m.start, end: markers[i + 1]?.start ?? text.length, line: m.line });
  });
  // Empty or comment-only input: let `yaml` say what it holds.
  return slices.length ? slices : undefined;
}

const countLines = (text: string, from: number, to: number): number => {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
};

const hasContent = (text: string): boolean => /^[ \t]*[^\s#]/m.test(text);

/**
 * Syntax js-yaml and `yaml` might read differently: anchors, aliases, tags. (Written
 * with a lookbehind so the search starts at the rare `&*!` and not at every character.)
 */
const UNUSUAL = /(?<![^\s[{,])[&*!][^\s,[\]{}]/;

const FAIL = Symbol('not read by the fast path');

// The YAML 1.2 core schema exactly as `yaml` resolves plain scalars, so both parsers
// give the same values (js-yaml's own core schema also takes `1_000`, `0b1`, `+.5e3`…).
// One type per tag: js-yaml keeps only the last type registered for a tag. Each type
// names the first characters it can start with: most scalars are words, and one look at
// their first character spares four regular expressions.
const scalar = (tag: string, first: string, test: RegExp, construct: (s: string) => unknown) =>
  new Type(`tag:yaml.org,2002:${tag}`, {
    kind: 'scalar',
    resolve: (s: string | null) => (!s || first.includes(s[0]!)) && test.test(s ?? ''),
    construct: (s: string | null) => construct(s ?? ''),
  });

const INF_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const CORE = FAILSAFE_SCHEMA.extend({
  implicit: [
    scalar('null', '~nN', /^(?:~|[Nn]ull|NULL)?$/, () => null),
    scalar('bool', 'tTfF', /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, (s) => s[0] === 't' || s[0] === 'T'),
    scalar('int', '0123456789+-', /^(?:0o[0-7]+|[-+]?[0-9]+|0x[0-9a-fA-F]+)$/, (s) =>
      s[1] === 'o'
        ? Number.parseInt(s.slice(2), 8)
        : s[1] === 'x'
          ? Number.parseInt(s.slice(2), 16)
          : Number.parseInt(s, 10),
    ),
    scalar(
      'float',
      '0123456789+-.',
      new RegExp(
        `${INF_NAN.source}|^[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\\.[0-9]+|[0-9]+\\.[0-9]*)$`,
      ),
      (s) =>
        INF_NAN.test(s)
          ? s.slice(-3).toLowerCase() === 'nan'
            ? Number.NaN
            : s[0] === '-'
              ? Number.NEGATIVE_INFINITY
              : Number.POSITIVE_INFINITY
          : Number.parseFloat(s),
    ),
  ],
});

function loadOne(source: string): unknown {
  try {
    return loadFast(source, { schema: CORE }) ?? null;
  } catch {
    return FAIL; // `yaml` reports it, with its message and position
  }
}

/**
 * Positions by `yaml` on this document's text alone, parsed on the first question.
 * Only the last document asked about is kept: findings are located one document at a time.
 * Keyed by the text and its first line: two identical documents of a stream differ only there.
 * js-yaml has already refused duplicate keys, so `yaml` need not check them again (that check
 * compares each key with all before it: 6.4 s for a map of 32,000 keys).
 */
function lazyPosition(source: string, firstLine: number): SourceDocument['position'] {
  return (path) => {
    if (cache?.source !== source || cache.firstLine !== firstLine) {
      const lineCounter = new (yaml().LineCounter)();
      const [doc] = yaml().parseAllDocuments(source, {
        lineCounter,
        prettyErrors: false,
        uniqueKeys: false,
      }) as Document[];
      cache = { source, firstLine, at: doc ? positionIn(doc, lineCounter, firstLine) : () => undefined };
    }
    return cache.at(path);
  };
}
let cache:
  | { source: string; firstLine: number; at: (path: readonly (string | number)[]) => Position | undefined }
  | undefined;

function positionIn(doc: Document, lineCounter: LineCounterType, firstLine: number) {
  return (path: readonly (string | number)[]): Position | undefined => {
    const offset = nodeAt(doc.contents, path)?.range?.[0];
    if (offset === undefined) return undefined;
    const pos = lineCounter.linePos(offset);
    return { line: pos.line + firstLine - 1, column: pos.col };
  };
}

/** Parses `text` (the whole stream, or one document of it) with `yaml`, errors and all. */
function parseExact(
  text: string,
  file: string,
  at: { offset: number; line: number; index: number },
  documents: SourceDocument[],
  diagnostics: Diagnostic[],
): ParsedSource {
  const { LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  // parseAllDocuments returns an EmptyStream (not an array) for empty input.
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      diagnostics.push(
        diagnostic('error', 'yaml-syntax', err.message.split('\n')[0] ?? 'invalid YAML', {
          file,
          line: pos.line + at.line - 1,
          column: pos.col,
          hint: 'fix the YAML syntax at this position',
        }),
      );
    }
    if (doc.errors.length > 0) return;
    documents.push({
      value: doc.toJS({ maxAliasCount: 100 }) ?? null,
      index: at.index + i,
      position: positionIn(doc, lineCounter, at.line),
    });
  });
  return { file, documents, diagnostics };
}

/**
 * Deepest node along `path`. A scalar field points at its value; a map or list field
 * points at its key, so the reported line is where the user reads the field name.
 */
function nodeAt(root: unknown, path: readonly (string | number)[]): Node | undefined {
  const { isMap, isScalar, isSeq } = yaml();
  let current = root as Node | null | undefined;
  let best: Node | undefined = current ?? undefined;
  for (const segment of path) {
    let next: Node | null | undefined;
    let anchor: Node | undefined;
    if (isMap(current)) {
      const pair = pairsOf(current).get(String(segment));
      if (!pair) return best;
      next = pair.value as Node | null;
      anchor = isScalar(next) ? next : (pair.key as Node);
    } else if (isSeq(current) && typeof segment === 'number') {
      next = current.items[segment] as Node | undefined;
      anchor = next ?? undefined;
    } else {
      return best;
    }
    if (!anchor) return best;
    best = anchor;
    current = next;
  }
  return best;
}

/**
 * A map's pairs by key, built the first time a finding looks into the map: one finding per
 * key of a large map searched it from the start each time (findings × keys). The first pair
 * of a key wins, as a search from the start found it.
 */
function pairsOf(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map);
  if (index) return index;
  const { isPair, isScalar } = yaml();
  index = new Map();
  for (const p of map.items) {
    if (!isPair(p) || !isScalar(p.key)) continue;
    const key = String(p.key.value);
    if (!index.has(key)) index.set(key, p as Pair);
  }
  pairIndex.set(map, index);
  return index;
}
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();
