// `validate`'s check of built-in kinds (Pod, Deployment, Service, ConfigMap, RBAC…)
// against the apiserver's own schemas: a misspelt field is an error at its line.
import { prefixPath, type Diagnostic, type Segments } from '../policies/diagnostics.js';
import { isList } from '../policies/k8s.js';
import { mayHaveKubeSchema } from '../policies/kube-schema.js';
import { isObject } from '../policies/rules/types.js';
import { kubeSchemaChecker } from './kube-schemas.js';
import { locate, type LocatedDocument } from './validate-sources.js';

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
  for (const d of found) out.diagnostics.push(locate({ ...d, path: prefixPath(path, d.path) }, doc));
}
