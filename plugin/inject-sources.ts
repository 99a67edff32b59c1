// `inject` over parsed files: every pod site through the engine, positions kept for warnings.
import { prefixPath, splitPath, type Diagnostic } from '../policies/diagnostics.js';
import { inject, type InjectionResult } from '../policies/engine.js';
import type { Policy } from '../policies/model.js';
import { parseYamlSource, type SourceDocument } from '../policies/yaml-source.js';
import type { InputFile } from './input.js';
import { namespaceOf, podSites, replaceAt, type PodSite } from '../policies/pod-sites.js';

export interface InjectedSite {
  file: string;
  site: PodSite;
  result: InjectionResult;
  /** The result's diagnostics with file, line and document-relative paths. */
  located: Diagnostic[];
}

export interface InjectedFile {
  file: string;
  before: unknown[];
  after: unknown[];
}

export function injectSources(inputs: InputFile[], policy: Policy, namespace: string) {
  const diagnostics: Diagnostic[] = [];
  const files: InjectedFile[] = [];
  const sites: InjectedSite[] = [];
  for (const input of inputs) {
    const parsed = parseYamlSource(input.text, input.file);
    diagnostics.push(...parsed.diagnostics);
    const before = parsed.documents.map((d) => d.value).filter((v) => v !== null);
    const after = parsed.documents
      .filter((d) => d.value !== null)
      .map((doc) => {
        let value = doc.value;
        for (const site of podSites(doc.value)) {
          const result = inject(site.pod, policy, { namespace: namespaceOf(doc.value, site, namespace) });
          const located = result.diagnostics.map((d) => locate(d, input.file, doc, site));
          sites.push({ file: input.file, site, result, located });
          diagnostics.push(...located);
          if (result.changed) value = replaceAt(value, site.path, result.pod);
        }
        return value;
      });
    files.push({ file: input.file, before, after });
  }
  return { files, sites, diagnostics };
}

/** Engine paths are relative to the pod; point them into the file. */
function locate(d: Diagnostic, file: string, doc: SourceDocument, site: PodSite): Diagnostic {
  const pos = doc.position([...site.path, ...(d.path ? splitPath(d.path) : [])]) ?? doc.position(site.path);
  return { ...d, file, ...(d.path ? { path: prefixPath(site.path, d.path) } : {}), ...(pos ?? {}) };
}
