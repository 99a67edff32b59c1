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

/** Definitions from the cluster (validate --server), and where they were looked for. */
export interface ClusterDefinitions {
  definitions: VelaDefinition[];
  from: string;
}

export function velaApplications(
  documents: readonly LocatedDocument[],
  cluster: ClusterDefinitions | undefined,
): VelaReport {
  const report: VelaReport = { diagnostics: [], rendered: [], read: new Set() };
  const components = new Map<string, VelaDefinition>();
  const traits = new Map<string, VelaDefinition>();
  const files = new Set<string>();
  // The cluster's first: a definition given with -f is the one being changed, and wins.
  for (const def of cluster?.definitions ?? [])
    (def.kind === 'ComponentDefinition' ? components : traits).set(def.name, def);
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
    (def.kind === 'ComponentDefinition' ? components : traits).set(def.name, def);
    files.add(doc.file);
  }
  const from = [files.size ? `-f ${[...files].join(', ')}` : '', cluster?.from ?? ''].filter(Boolean).join(' and ');
  const known: KnownDefinitions = { components, traits, from: from || 'nowhere' };
  const applications = documents.filter((d) => isApplication(d.source.value));
  if (applications.length && !components.size && !traits.size && !cluster) {
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
    const check = checkApplication(doc.source.value as Record<string, unknown>, known);
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
