// Multi-document YAML with positions: every finding can name file, line and column.
// Pure: takes text, returns documents; the shells do the reading.
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, isPair, type Document, type Node } from 'yaml';
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

export function parseYamlSource(text: string, file = '<stdin>'): ParsedSource {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const documents: SourceDocument[] = [];
  // parseAllDocuments returns an EmptyStream (not an array) for empty input.
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      diagnostics.push(
        diagnostic('error', 'yaml-syntax', err.message.split('\n')[0] ?? 'invalid YAML', {
          file,
          line: pos.line,
          column: pos.col,
          hint: 'fix the YAML syntax at this position',
        }),
      );
    }
    if (doc.errors.length > 0) return;
    const position = (path: readonly (string | number)[]) => {
      const node = nodeAt(doc.contents, path);
      const offset = node?.range?.[0];
      if (offset === undefined) return undefined;
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    };
    documents.push({ value: doc.toJS({ maxAliasCount: 100 }) ?? null, index, position });
  });
  return { file, documents, diagnostics };
}

/**
 * Deepest node along `path`. A scalar field points at its value; a map or list field
 * points at its key, so the reported line is where the user reads the field name.
 */
function nodeAt(root: unknown, path: readonly (string | number)[]): Node | undefined {
  let current = root as Node | null | undefined;
  let best: Node | undefined = current ?? undefined;
  for (const segment of path) {
    let next: Node | null | undefined;
    let anchor: Node | undefined;
    if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
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
