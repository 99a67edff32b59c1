// The offline half of `validate`: parse every input, run the rules over all
// documents together (cross-document rules see Fluid runtimes next to Spark apps),
// and pin each finding to its file, line and column.
import { splitPath, type Diagnostic } from '../policies/diagnostics.js';
import type { Policy } from '../policies/model.js';
import { checkObject, ruleContext } from '../policies/rules/index.js';
import { parseYamlSource, type SourceDocument } from '../policies/yaml-source.js';
import type { InputFile } from './input.js';

export interface LocatedDocument {
  file: string;
  source: SourceDocument;
}

export interface ValidationReport {
  diagnostics: Diagnostic[];
  documents: LocatedDocument[];
  /** Kubernetes objects in the documents, List items counted one by one. */
  objects: number;
  files: number;
}

/** File, line and column for a finding whose path is relative to `doc`. */
export function locate(d: Diagnostic, doc: LocatedDocument): Diagnostic {
  const position = doc.source.position(d.path ? splitPath(d.path) : []);
  return { ...d, file: doc.file, ...(position ?? {}) };
}

export function validateSources(inputs: readonly InputFile[], policy: Policy): ValidationReport {
  const diagnostics: Diagnostic[] = [];
  const documents: LocatedDocument[] = [];
  for (const input of inputs) {
    const parsed = parseYamlSource(input.text, input.file);
    diagnostics.push(...parsed.diagnostics);
    // `---` at the end of a file or between comments yields empty documents: not objects, not mistakes.
    for (const source of parsed.documents) if (source.value !== null) documents.push({ file: input.file, source });
  }
  const ctx = ruleContext(
    policy,
    documents.map((d) => d.source.value),
  );
  for (const doc of documents) {
    if (typeof doc.source.value !== 'object' || Array.isArray(doc.source.value)) {
      diagnostics.push(
        locate(
          {
            severity: 'error',
            code: 'object-identity',
            message: 'document is not a Kubernetes object',
            hint: 'each YAML document must be a mapping with apiVersion, kind and metadata',
          },
          doc,
        ),
      );
      continue;
    }
    diagnostics.push(...checkObject(doc.source.value, ctx).map((d) => locate(d, doc)));
  }
  return { diagnostics, documents, objects: ctx.objects.length, files: inputs.length };
}

/** Input order, then line and column: the order people read the files in. */
export function sortDiagnostics(diagnostics: Diagnostic[], files: readonly string[]): Diagnostic[] {
  const rank = (f: string | undefined) => (f === undefined ? -1 : files.indexOf(f));
  return [...diagnostics].sort(
    (a, b) => rank(a.file) - rank(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}
