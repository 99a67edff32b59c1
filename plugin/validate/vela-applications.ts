// `validate`'s KubeVela half: the ComponentDefinitions and TraitDefinitions of the
// inputs (and, with --server, the cluster's), each Application checked against them,
// and the components graphdata renders handed back as documents whose every finding
// points at the Application line that made the field.
import { joinPath, type Segments, splitPath, type Diagnostic } from '../../policies/diagnostics.js';
import { isList } from '../../policies/k8s.js';
import {
  checkApplication,
  isApplication,
  isVelaDefinition,
  type KnownDefinitions,
  type VelaDefinition,
  velaDefinition,
} from '../../policies/vela/application.js';
import type { SourceDocument } from '../../policies/yaml-source.js';

/** Where KubeVela keeps the definitions every namespace can use. */
export const VELA_SYSTEM = 'vela-system';

/** A document of an input file (sources.ts's LocatedDocument). */
interface LocatedDocument {
  file: string;
  source: SourceDocument;
}

export interface VelaReport {
  diagnostics: Diagnostic[];
  /** Components rendered by graphdata's definitions, as documents of the Application's file. */
  rendered: RenderedDocument[];
  /** Applications and definitions read here (objects, List items included): not "of an unknown API group". */
  read: Set<unknown>;
}

export interface RenderedDocument extends LocatedDocument {
  /** Rewrites a finding on the rendered object into one on the Application. */
  relocate(d: Diagnostic): Diagnostic;
}

/** Definitions from the cluster (validate --server), by namespace, and where they were looked for. */
export interface ClusterDefinitions {
  byNamespace: ReadonlyMap<string, readonly VelaDefinition[]>;
  from: string;
}

/** An object of the inputs: a document, or an item of a List document, `at` its path there. */
interface LocatedObject extends LocatedDocument {
  value: unknown;
  at: Segments;
}

/**
 * The objects of the documents, a List's items one by one: kubectl creates them so, and an
 * Application or definition sent in a List is as real as one in a document of its own.
 */
function objectsOf(documents: readonly LocatedDocument[]): LocatedObject[] {
  return documents.flatMap((doc) => {
    const value = doc.source.value;
    if (!isList(value)) return [{ ...doc, value, at: [] }];
    return value.items.map((item, i) => ({ ...doc, value: item, at: ['items', i] }));
  });
}

/** Line and column of `path` inside the object. */
const positionIn = (obj: LocatedObject, path: Segments) => obj.source.position([...obj.at, ...path]);

export function velaApplications(
  documents: readonly LocatedDocument[],
  cluster: ClusterDefinitions | undefined,
  namespace: string,
): VelaReport {
  const report: VelaReport = { diagnostics: [], rendered: [], read: new Set() };
  const given: VelaDefinition[] = [];
  const files = new Set<string>();
  const objects = objectsOf(documents);
  for (const doc of objects) {
    const value = doc.value;
    if (!isVelaDefinition(value)) continue;
    report.read.add(value);
    const at = positionIn(doc, [])?.line;
    const templateAt = positionIn(doc, ['spec', 'schematic', 'cue', 'template'])?.line;
    const def = velaDefinition(value, `${doc.file}${at ? `:${at}` : ''}`, (line) =>
      // A block scalar's text starts on the line after `template: |`.
      templateAt ? `${doc.file}:${templateAt + line}` : `template line ${line}`,
    );
    if (!def) continue;
    given.push(def);
    files.add(doc.file);
  }
  const from = [files.size ? `-f ${[...files].join(', ')}` : '', cluster?.from ?? ''].filter(Boolean).join(' and ');
  /** What KubeVela would find for an Application in `ns`: vela-system's, its namespace's, then -f's (being changed, they win). */
  const knownIn = (ns: string): KnownDefinitions => {
    const components = new Map<string, VelaDefinition>();
    const traits = new Map<string, VelaDefinition>();
    const layers = [
      cluster?.byNamespace.get(VELA_SYSTEM),
      ns === VELA_SYSTEM ? [] : cluster?.byNamespace.get(ns),
      given,
    ];
    for (const def of layers.flatMap((l) => l ?? []))
      (def.kind === 'ComponentDefinition' ? components : traits).set(def.name, def);
    return { components, traits, from };
  };
  const applications = objects.filter((d) => isApplication(d.value));
  if (applications.length && !given.length && !cluster) {
    // Said once for the run, not once per component.
    report.diagnostics.push({
      ...locate({ path: 'spec.components' }, applications[0]!),
      severity: 'info',
      code: 'not-checked',
      message: `${applications.length} KubeVela Application${applications.length === 1 ? '' : 's'} not checked: no ComponentDefinition or TraitDefinition was given`,
      hint: 'pass the definitions too (validate -f app.yaml -f defs.yaml), or read them from the cluster with --server',
    });
    for (const doc of applications) report.read.add(doc.value);
    return report;
  }
  for (const doc of applications) {
    report.read.add(doc.value);
    const app = doc.value as Record<string, unknown>;
    const ns = (app.metadata as { namespace?: unknown } | undefined)?.namespace;
    const check = checkApplication(app, knownIn(typeof ns === 'string' && ns ? ns : namespace));
    report.diagnostics.push(...check.diagnostics.map((d) => ({ ...d, ...locate(d, doc) })));
    for (const r of check.rendered)
      report.rendered.push({
        file: doc.file,
        source: {
          value: r.object,
          index: doc.source.index,
          position: (path) => positionIn(doc, r.origin([...path])),
        },
        relocate: (d) => {
          const origin = r.origin(d.path ? splitPath(d.path) : []);
          return {
            ...d,
            message: `component ${r.component} renders ${String(r.object.kind)}${d.path ? ` with ${d.path}` : ''}: ${d.message}`,
            path: joinPath([...doc.at, ...origin]),
            file: doc.file,
            ...(positionIn(doc, origin) ?? {}),
          };
        },
      });
  }
  return report;
}

/** File, line and column of a finding on the object; its path from the document's top (a List's `items[i]` first). */
function locate(d: { path?: string | undefined }, doc: LocatedObject): Partial<Diagnostic> {
  const path = d.path ? splitPath(d.path) : [];
  return {
    file: doc.file,
    ...(doc.at.length ? { path: joinPath([...doc.at, ...path]) } : {}),
    ...(positionIn(doc, path) ?? {}),
  };
}
