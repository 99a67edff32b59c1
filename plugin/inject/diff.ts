// Unified diff of manifests before and after injection, as `git diff` would show it.
//
// jsdiff's Myers diff costs O(N·D): lines times edits. Over a whole file of 10,000
// injected pods both are in the millions, so the texts are diffed piece by piece
// instead: both are cut before the same sync lines (`---` between documents, and the
// items of a top-level list such as a List's `items`), each pair of pieces is diffed on
// its own, and the changes are joined into one patch. The texts come a document at a
// time and only the hunks are kept. Injection never adds or removes a List item, so the
// pieces pair up; when they do not, that document's two texts are diffed as one.
import { type Change, diffLines, formatPatch, OMIT_HEADERS, type StructuredPatchHunk } from 'diff';
import { formatOne, ManifestPieces } from '../output/manifests.js';

const CONTEXT = 3;

/** Lines that start a piece: a document separator, or an item of a list under a top-level key. */
const SYNC = { yaml: /^(?:---$| {2}- )/, json: /^ {4}\{$/ } as const;

/**
 * The patch of one file fed document by document (before and after), each formatted
 * once and let go: only the hunks are kept, so a file of any size diffs in bounded memory.
 */
export class FileDiff {
  private readonly before: ManifestPieces;
  private readonly after: ManifestPieces;
  private readonly hunks = new Hunks();

  constructor(private readonly format: 'yaml' | 'json') {
    this.before = new ManifestPieces(format);
    this.after = new ManifestPieces(format);
  }

  /** A document before and after injection (the same object when nothing changed). */
  add(before: unknown, after: unknown): void {
    const a = formatOne(before, this.format);
    this.pair(this.before.push(a), this.after.push(before === after ? a : formatOne(after, this.format)));
  }

  /** The unified diff, or '' when nothing changed. */
  patch(file: string): string {
    this.pair(this.before.end(), this.after.end());
    const hunks = this.hunks.end();
    if (hunks.length === 0) return '';
    // The file header as formatPatch writes it for the whole patch, then the hunks it wrote one by one.
    const header = formatPatch({
      oldFileName: `a/${file}`,
      newFileName: `b/${file}`,
      oldHeader: undefined,
      newHeader: undefined,
      hunks: [],
    });
    return header + hunks.map((h) => h.toString()).join('');
  }

  private pair(a: string, b: string): void {
    if (a === b) {
      if (a) this.hunks.add({ value: a, count: countLines(a), added: false, removed: false });
    } else for (const c of diffPieces(a, b, SYNC[this.format])) this.hunks.add(c);
  }
}

/** Line changes between `a` and `b`, diffed piece by piece when the pieces pair up. */
function diffPieces(a: string, b: string, sync: RegExp): Change[] {
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

/**
 * Neighbouring changes of one kind. An unchanged run keeps only what a hunk can show of
 * it: its first lines (all of them while it is short enough to join two hunks) and its last.
 */
interface Run {
  kind: ' ' | '+' | '-';
  /** Every value of a change, or the first values of an unchanged run. */
  head: string[];
  headCount: number;
  /** The last values of an unchanged run, at least CONTEXT lines. */
  tail: string[];
  tailCount: number;
  count: number;
}

/** Hunks with CONTEXT lines around each change, merged where contexts meet (as jsdiff and git do), built as changes arrive. */
class Hunks {
  /** Each finished hunk as formatPatch writes it, kept as bytes: lines as strings cost several times more. */
  private readonly out: Buffer[] = [];
  private hunk: StructuredPatchHunk | undefined;
  private oldLine = 1;
  private newLine = 1;
  private run: Run | undefined;
  private previous: Run | undefined;

  add(c: Change): void {
    const kind = c.added ? '+' : c.removed ? '-' : ' ';
    const count = c.count ?? countLines(c.value);
    if (this.run?.kind !== kind) {
      if (this.run) this.close(this.run, false);
      this.run = { kind, head: [], headCount: 0, tail: [], tailCount: 0, count: 0 };
    }
    const run = this.run;
    run.count += count;
    if (kind !== ' ' || run.headCount <= 2 * CONTEXT) {
      run.head.push(c.value);
      run.headCount += count;
    }
    if (kind === ' ') {
      run.tail.push(c.value);
      run.tailCount += count;
      while (run.tail.length > 1 && run.tailCount - countLines(run.tail[0]!) >= CONTEXT)
        run.tailCount -= countLines(run.tail.shift()!);
    }
  }

  end(): Buffer[] {
    if (this.run) this.close(this.run, true);
    this.run = undefined;
    if (this.hunk) this.finish(this.hunk);
    this.hunk = undefined;
    return this.out;
  }

  private finish(hunk: StructuredPatchHunk): void {
    hunk.lines = hunk.lines.flatMap(noNewlineMarker);
    const patch = { oldFileName: '', newFileName: '', oldHeader: undefined, newHeader: undefined, hunks: [hunk] };
    this.out.push(Buffer.from(formatPatch(patch, OMIT_HEADERS)));
  }

  private close(run: Run, last: boolean): void {
    if (run.kind !== ' ') {
      if (!this.hunk) {
        const lead = this.previous ? tailLines(this.previous.tail, CONTEXT) : [];
        this.hunk = {
          oldStart: this.oldLine - lead.length,
          newStart: this.newLine - lead.length,
          oldLines: lead.length,
          newLines: lead.length,
          lines: lead.map((l) => ` ${l}`),
        };
      }
      for (const l of headLines(run.head, run.count)) this.hunk.lines.push(`${run.kind}${l}`);
      if (run.kind === '-') {
        this.hunk.oldLines += run.count;
        this.oldLine += run.count;
      } else {
        this.hunk.newLines += run.count;
        this.newLine += run.count;
      }
    } else {
      if (this.hunk) {
        const joins = run.count <= 2 * CONTEXT && !last;
        const tail = headLines(run.head, joins ? run.count : CONTEXT);
        for (const l of tail) this.hunk.lines.push(` ${l}`);
        this.hunk.oldLines += tail.length;
        this.hunk.newLines += tail.length;
        if (!joins) {
          this.finish(this.hunk);
          this.hunk = undefined;
        }
      }
      this.oldLine += run.count;
      this.newLine += run.count;
    }
    this.previous = run;
  }
}

/** Drops each line's newline; a line without one gets git's "\\ No newline at end of file" after it. */
const noNewlineMarker = (line: string): string[] =>
  line.endsWith('\n') ? [line.slice(0, -1)] : [line, '\\ No newline at end of file'];
