// The engine over parsed files, for `inject` (streamed) and `explain` (collected): every
// pod site through the engine, positions kept for warnings.
import { prefixPath, splitPath, type Diagnostic } from '../../policies/diagnostics.js';
import { inject, type InjectionResult } from '../../policies/engine.js';
import type { Policy } from '../../policies/model.js';
import { type SourceDocument, yamlDocuments } from '../../policies/yaml-source.js';
import type { InputFile } from './input.js';
import { isList, POD_TEMPLATE_KINDS } from '../../policies/k8s.js';
import { namespaceOf, podSites, replaceSites, type PodSite, type SiteEdit } from '../../policies/pod-sites.js';
import { checkApi } from '../../policies/api-catalog.js';
import { type RuntimeLookup, runtimeLookupFromDocuments } from '../../policies/fluid-runtime.js';

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

/** One document of a file through the engine: findings, and (unless unreadable or empty) before and after. */
export interface InjectedDocument {
  diagnostics: Diagnostic[];
  sites: InjectedSite[];
  /** Absent for a document that could not be read, or holds nothing. */
  value?: { before: unknown; after: unknown; changed: boolean };
}

/** Every file, every document, collected: for small inputs (explain, tests). */
export function injectSources(
  inputs: InputFile[],
  policy: Policy,
  namespace: string,
  namespaceLabels?: Readonly<Record<string, string>>,
) {
  const diagnostics: Diagnostic[] = [];
  const files: InjectedFile[] = [];
  const sites: InjectedSite[] = [];
  const runtimes = fluidRuntimes(inputs, policy, namespace);
  for (const input of inputs) {
    const file: InjectedFile = { file: input.file, before: [], after: [] };
    for (const doc of injectDocuments(input, policy, namespace, namespaceLabels, runtimes ? { runtimes } : {})) {
      diagnostics.push(...doc.diagnostics);
      sites.push(...doc.sites);
      if (!doc.value) continue;
      file.before.push(doc.value.before);
      file.after.push(doc.value.after);
    }
    files.push(file);
  }
  return { files, sites, diagnostics };
}

/**
 * The documents of one file through the engine, one at a time, each parsed when asked
 * for: `inject` formats each and lets it go, so memory does not grow with the input.
 */
export function* injectDocuments(
  input: InputFile,
  policy: Policy,
  namespace: string,
  namespaceLabels?: Readonly<Record<string, string>>,
  /** Inject the parsed objects themselves (no copy): `before` is then `after`, for a caller that needs only the result. */
  opts: { inPlace?: boolean; runtimes?: RuntimeLookup } = {},
): Generator<InjectedDocument> {
  for (const part of yamlDocuments(input.text, input.file)) {
    if (part.diagnostics.length) yield { diagnostics: part.diagnostics, sites: [] };
    for (const doc of part.documents) {
      if (doc.value === null) continue;
      const diagnostics: Diagnostic[] = [];
      const sites: InjectedSite[] = [];
      const edits: SiteEdit[] = [];
      for (const unserved of unservedPods(doc.value)) diagnostics.push(locateIn(unserved, input.file, doc));
      for (const site of podSites(doc.value)) {
        const result = inject(site.pod, policy, {
          namespace: namespaceOf(doc.value, site, namespace),
          ...(namespaceLabels ? { namespaceLabels } : {}),
          ...(opts.inPlace ? { inPlace: true } : {}),
          ...(opts.runtimes ? { runtimes: opts.runtimes } : {}),
        });
        const located = result.diagnostics.map((d) => locate(d, input.file, doc, site));
        sites.push({ file: input.file, site, result, located });
        diagnostics.push(...located);
        if (result.changed) edits.push({ path: site.path, value: result.pod });
      }
      const after = edits.length ? replaceSites(doc.value, edits) : doc.value;
      yield { diagnostics, sites, value: { before: doc.value, after, changed: edits.length > 0 } };
    }
  }
}

/**
 * Fluid mode: the AlluxioRuntimes (and Datasets) anywhere in the input, before or after
 * the pods that name them. Only when the policy uses Fluid, and only files that mention
 * data.fluid.io are read a second time; only those objects are kept.
 */
export function fluidRuntimes(inputs: InputFile[], policy: Policy, namespace: string): RuntimeLookup | undefined {
  const fluid = policy.spec.cache === 'fluid' || Object.values(policy.profiles).some((p) => p.cache === 'fluid');
  if (!fluid) return undefined;
  // A generator: runtimeLookupFromDocuments keeps the Fluid objects and lets every other document go.
  function* values(): Generator<unknown> {
    for (const input of inputs) {
      if (!input.text.includes('data.fluid.io')) continue;
      for (const part of yamlDocuments(input.text, input.file)) for (const doc of part.documents) yield doc.value;
    }
  }
  return runtimeLookupFromDocuments(values(), namespace);
}

/** Engine paths are relative to the pod; point them into the file. */
function locate(d: Diagnostic, file: string, doc: SourceDocument, site: PodSite): Diagnostic {
  const pos = doc.position([...site.path, ...(d.path ? splitPath(d.path) : [])]) ?? doc.position(site.path);
  return { ...d, file, ...(d.path ? { path: prefixPath(site.path, d.path) } : {}), ...(pos ?? {}) };
}

/** Pods and pod-template kinds in an apiVersion that serves no such kind (a Pod in `v2`): said, not injected. */
function unservedPods(value: unknown, path: (string | number)[] = []): Diagnostic[] {
  if (typeof value !== 'object' || value === null) return [];
  if (isList(value)) return value.items.flatMap((item, i) => unservedPods(item, [...path, 'items', i]));
  const obj = value as { apiVersion?: unknown; kind?: unknown };
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  if (typeof obj.apiVersion !== 'string' || !(kind === 'Pod' || kind === 'CronJob' || POD_TEMPLATE_KINDS.has(kind)))
    return [];
  const api = checkApi(obj.apiVersion, kind);
  if (api.status !== 'not-served') return [];
  return [
    {
      severity: 'warning',
      code: 'api-not-served',
      message: `${api.message}; not injected`,
      hint: api.hint,
      path: prefixPath(path, api.field),
    },
  ];
}

function locateIn(d: Diagnostic, file: string, doc: SourceDocument): Diagnostic {
  return { ...d, file, ...(doc.position(splitPath(d.path ?? '')) ?? {}) };
}
