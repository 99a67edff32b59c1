// `validate`'s check of built-in kinds (Pod, Deployment, Service, ConfigMap, RBAC…)
// against the apiserver's own schemas: a misspelt field is an error at its line.
import { prefixPath, splitPath, type Diagnostic, type Segments } from '../../policies/diagnostics.js';
import { isList } from '../../policies/k8s.js';
import { mayHaveKubeSchema } from '../../policies/kube-schema.js';
import { isObject } from '../../policies/rules/types.js';
import { kubeSchemaChecker } from './kube-schemas.js';
import type { SourceDocument } from '../../policies/yaml-source.js';

/** A document of an input file (validate-sources.ts's LocatedDocument). */
interface LocatedDocument {
  file: string;
  source: SourceDocument;
}

export interface KubeSchemaFindings {
  diagnostics: Diagnostic[];
  /** Paths (in the document) of the objects that had a schema: graphdata checked them. */
  covered: Set<string>;
}

export function kubeSchemaFindings(doc: LocatedDocument): KubeSchemaFindings {
  const out: KubeSchemaFindings = { diagnostics: [], covered: new Set() };
  visit(doc.source.value, [], doc, out);
  return out;
}

function visit(value: unknown, path: Segments, doc: LocatedDocument, out: KubeSchemaFindings): void {
  if (!isObject(value)) return;
  if (isList(value)) {
    for (const [i, item] of value.items.entries()) visit(item, [...path, 'items', i], doc, out);
    return;
  }
  if (typeof value.apiVersion !== 'string' || !mayHaveKubeSchema(value.apiVersion)) return;
  const found = kubeSchemaChecker().check(value);
  if (!found) return;
  out.covered.add(prefixPath(path, undefined));
  for (const d of found) {
    const at = prefixPath(path, d.path);
    out.diagnostics.push({ ...d, path: at, file: doc.file, ...(doc.source.position(splitPath(at)) ?? {}) });
  }
}
