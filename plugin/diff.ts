// Unified diff of manifests before and after injection, as `git diff` would show it.
//
// jsdiff's Myers diff costs O(N·D): lines times edits. Over a whole file of 10,000
// injected pods both are in the millions, so the texts are diffed piece by piece
// instead: both are cut before the same sync lines (`---` between documents, and the
// items of a top-level list such as a List's `items`), each pair of pieces is diffed on
// its own, and the changes are joined into one patch. Injection never adds or removes a
// document or a List item, so the pieces pair up; when they do not, the whole texts
// are diffed as one.
import { type Change, diffLines, formatPatch, type StructuredPatchHunk } from 'diff';
import { formatManifests } from './manifests.js';

const CONTEXT = 3;

/** Lines that start a piece: a document separator, or an item of a list under a top-level key. */
const SYNC = { yaml: /^(?:---$| {2}- )/, json: /^ {4}\{$/ } as const;

export async function unifiedDiff(
  file: string,
  before: unknown[],
  after: unknown[],
  format: 'yaml' | 'json',
): Promise<string> {
  const a = formatManifests(before, format);
  const b = formatManifests(after, format);
  if (a === b) return '';
  return formatPatch({
    oldFileName: `a/${file}`,
    newFileName: `b/${file}`,
    oldHeader: undefined,
    newHeader: undefined,
    hunks: hunks(diffPieces(a, b, SYNC[format])),
  });
}

/** Line changes between `a` and `b`, diffed piece by piece when the pieces pair up. */
export function diffPieces(a: string, b: string, sync: RegExp): Change[] {
  const pa = pieces(a, sync);
  const pb = pieces(b, sync);
  if (pa.length !== pb.length) return diffLines(a, b);
  const changes: Change[] = [];
  for (let i = 0; i < pa.length; i++) {
    if (pa[i] === pb[i]) changes.push({ value: pa[i]!, count: countLines(pa[i]!), added: false, removed: false });
    else changes.push(...diffLines(pa[i]!, pb[i]!));
  }
  return changes;
}

/** `text` cut before every line that `sync` matches (a `^…` pattern). */
function pieces(text: string, sync: RegExp): string[] {
  const re = new RegExp(sync.source, 'gm');
  const out: string[] = [];
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > start) out.push(text.slice(start, m.index));
    start = m.index;
    re.lastIndex = m.index + 1;
  }
  out.push(text.slice(start));
  return out;
}

function countLines(value: string): number {
  let n = 0;
  for (let i = value.indexOf('\n'); i !== -1; i = value.indexOf('\n', i + 1)) n++;
  return value.endsWith('\n') || value === '' ? n : n + 1;
}

/** The first `n` lines of the concatenated values (each with its newline). */
function headLines(values: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const line of v.split(/(?<=\n)/)) {
      if (out.length === n) return out;
      if (line) out.push(line);
    }
  }
  return out;
}

/** The last `n` lines of the concatenated values. */
function tailLines(values: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = values.length - 1; i >= 0 && out.length < n; i--) {
    const v = values[i]!;
    let end = v.length;
    while (end > 0 && out.length < n) {
      const start = end >= 2 ? v.lastIndexOf('\n', end - 2) + 1 : 0;
      out.unshift(v.slice(start, end));
      end = start;
    }
  }
  return out;
}

interface Run {
  kind: ' ' | '+' | '-';
  values: string[];
  count: number;
}

/** Hunks with CONTEXT lines around each change, merged where contexts meet (as jsdiff and git do). */
function hunks(changes: readonly Change[]): StructuredPatchHunk[] {
  // Neighbouring unchanged pieces form one run, so context is measured across pieces.
  const runs: Run[] = [];
  for (const c of changes) {
    const kind = c.added ? '+' : c.removed ? '-' : ' ';
    const count = c.count ?? countLines(c.value);
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) {
      last.values.push(c.value);
      last.count += count;
    } else runs.push({ kind, values: [c.value], count });
  }
  const out: StructuredPatchHunk[] = [];
  let hunk: StructuredPatchHunk | undefined;
  let oldLine = 1;
  let newLine = 1;
  runs.forEach((run, i) => {
    if (run.kind !== ' ') {
      if (!hunk) {
        const before = runs[i - 1];
        const lead = before ? tailLines(before.values, CONTEXT) : [];
        hunk = {
          oldStart: oldLine - lead.length,
          newStart: newLine - lead.length,
          oldLines: lead.length,
          newLines: lead.length,
          lines: lead.map((l) => ` ${l}`),
        };
      }
      for (const l of headLines(run.values, run.count)) hunk.lines.push(`${run.kind}${l}`);
      if (run.kind === '-') {
        hunk.oldLines += run.count;
        oldLine += run.count;
      } else {
        hunk.newLines += run.count;
        newLine += run.count;
      }
      return;
    }
    if (hunk) {
      const joins = run.count <= 2 * CONTEXT && i < runs.length - 1;
      const tail = headLines(run.values, joins ? run.count : CONTEXT);
      for (const l of tail) hunk.lines.push(` ${l}`);
      hunk.oldLines += tail.length;
      hunk.newLines += tail.length;
      if (!joins) {
        out.push(hunk);
        hunk = undefined;
      }
    }
    oldLine += run.count;
    newLine += run.count;
  });
  if (hunk) out.push(hunk);
  for (const h of out) h.lines = h.lines.flatMap(noNewlineMarker);
  return out;
}

/** Drops each line's newline; a line without one gets git's "\\ No newline at end of file" after it. */
const noNewlineMarker = (line: string): string[] =>
  line.endsWith('\n') ? [line.slice(0, -1)] : [line, '\\ No newline at end of file'];
