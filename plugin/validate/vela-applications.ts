// `validate`'s KubeVela half: the ComponentDefinitions and TraitDefinitions of the
// inputs (and, with --server, the cluster's), each Application checked against them,
// and the components graphdata renders handed back as documents whose every finding
// points at the Application line that made the field.
import { joinPath, splitPath, type Diagnostic } from '../../policies/diagnostics.js';
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
  /** Applications and definitions read here: not "of an unknown API group". */
  read: Set<LocatedDocument>;
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

export function velaApplications(
  documents: readonly LocatedDocument[],
  cluster: ClusterDefinitions | undefined,
  namespace: string,
): VelaReport {
  const report: VelaReport = { diagnostics: [], rendered: [], read: new Set() };
  const given: VelaDefinition[] = [];
  const files = new Set<string>();
  for (const doc of documents) {
    const value = doc.source.value;
    if (!isVelaDefinition(value)) continue;
    report.read.add(doc);
    const at = doc.source.position([])?.line;
    const templateAt = doc.source.position(['spec', 'schematic', 'cue', 'template'])?.line;
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
  const applications = documents.filter((d) => isApplication(d.source.value));
  if (applications.length && !given.length && !cluster) {
    // Said once for the run, not once per component.
    report.diagnostics.push({
      ...locate({ path: 'spec.components' }, applications[0]!),
      severity: 'info',
      code: 'not-checked',
      message: `${applications.length} KubeVela Application${applications.length === 1 ? '' : 's'} not checked: no ComponentDefinition or TraitDefinition was given`,
      hint: 'pass the definitions too (validate -f app.yaml -f defs.yaml), or read them from the cluster with --server',
    });
    for (const doc of applications) report.read.add(doc);
    return report;
  }
  for (const doc of applications) {
    report.read.add(doc);
    const app = doc.source.value as Record<string, unknown>;
    const ns = (app.metadata as { namespace?: unknown } | undefined)?.namespace;
    const check = checkApplication(app, knownIn(typeof ns === 'string' && ns ? ns : namespace));
    report.diagnostics.push(...check.diagnostics.map((d) => ({ ...d, ...locate(d, doc) })));
    for (const r of check.rendered)
      report.rendered.push({
        file: doc.file,
        source: {
          value: r.object,
          index: doc.source.index,
          position: (path) => doc.source.position(r.origin([...path])),
        },
        relocate: (d) => {
          const origin = r.origin(d.path ? splitPath(d.path) : []);
          return {
            ...d,
            message: `component ${r.component} renders ${String(r.object.kind)}${d.path ? ` with ${d.path}` : ''}: ${d.message}`,
            path: joinPath(origin),
            file: doc.file,
            ...(doc.source.position(origin) ?? {}),
          };
        },
      });
  }
  return report;
}

function locate(d: { path?: string | undefined }, doc: LocatedDocument): Partial<Diagnostic> {
  return { file: doc.file, ...(doc.source.position(d.path ? splitPath(d.path) : []) ?? {}) };
}
