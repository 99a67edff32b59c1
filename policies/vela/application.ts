// A KubeVela `core.oam.dev/v1beta1` Application against the ComponentDefinitions and
// TraitDefinitions known to the run: component and trait types, their properties against
// each definition's `parameter` schema, and, for graphdata's own definitions, the objects
// the components render (with the trait's labels) for the plain checks. Pure: paths in
// the findings are in the Application's document; the shell locates them.
import { type Diagnostic, joinPath, type Segments } from '../diagnostics.js';
import { isObject } from '../rules/types.js';
import { closest } from '../suggest.js';
import { checkProperties, withDefaults } from './check-properties.js';
import { type ParameterRead, readParameterSchema } from './parameter-schema.js';
import { recogniseComponent, recogniseTrait, unifyPatch } from './shipped-render.js';

export const OAM_GROUP = 'core.oam.dev';
const DEFINITION_KINDS = ['ComponentDefinition', 'TraitDefinition'] as const;
type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export interface VelaDefinition {
  kind: DefinitionKind;
  name: string;
  template: string | undefined;
  parameter: ParameterRead;
  /** Where it was read, for messages: `defs.yaml:12`, `cluster (vela-system)`. */
  source: string;
  /** Where template line N is, for messages: `defs.yaml:40`. */
  templateLine: (line: number) => string;
}

export const isApplication = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && v.apiVersion === `${OAM_GROUP}/v1beta1` && v.kind === 'Application';

export const isVelaDefinition = (v: unknown): v is Record<string, unknown> =>
  isObject(v) &&
  typeof v.apiVersion === 'string' &&
  v.apiVersion.startsWith(`${OAM_GROUP}/`) &&
  (DEFINITION_KINDS as readonly unknown[]).includes(v.kind);

/** A definition object as the run knows it; its parameter schema read once. */
export function velaDefinition(
  object: Record<string, unknown>,
  source: string,
  templateLine: (line: number) => string = (line) => `template line ${line}`,
): VelaDefinition | undefined {
  const name = (object.metadata as { name?: unknown } | undefined)?.name;
  if (!isVelaDefinition(object) || typeof name !== 'string') return undefined;
  const template = (object.spec as { schematic?: { cue?: { template?: unknown } } } | undefined)?.schematic?.cue
    ?.template;
  return {
    kind: object.kind as DefinitionKind,
    name,
    template: typeof template === 'string' ? template : undefined,
    parameter:
      typeof template === 'string'
        ? readParameterSchema(template)
        : { ok: false, unsupported: { construct: 'no CUE template (spec.schematic.cue.template)', line: 0 } },
    source,
    templateLine,
  };
}

export interface KnownDefinitions {
  components: ReadonlyMap<string, VelaDefinition>;
  traits: ReadonlyMap<string, VelaDefinition>;
  /** Where they came from, for the unknown-type message: `-f` files, the cluster. */
  from: string;
}

/** A component rendered by graphdata's own definitions, for the plain checks. */
export interface RenderedComponent {
  object: Record<string, unknown>;
  /** Component name and type, for messages. */
  component: string;
  /** The Application path of the property (or trait, or component) that made each field. */
  origin: (path: Segments) => Segments;
}

export interface ApplicationCheck {
  diagnostics: Diagnostic[];
  rendered: RenderedComponent[];
}

const finding = (
  severity: Diagnostic['severity'],
  code: string,
  path: Segments,
  message: string,
  hint?: string,
): Diagnostic => ({ severity, code, message, path: joinPath(path), ...(hint ? { hint } : {}) });

export function checkApplication(app: Record<string, unknown>, known: KnownDefinitions): ApplicationCheck {
  const out: ApplicationCheck = { diagnostics: [], rendered: [] };
  const spec = app.spec;
  const components = isObject(spec) ? spec.components : undefined;
  if (!Array.isArray(components)) {
    out.diagnostics.push(
      finding(
        'error',
        'vela-application',
        isObject(spec) ? ['spec'] : [],
        'an Application needs spec.components, a list',
      ),
    );
    return out;
  }
  // What KubeVela does with them is its controller's: said, not silently passed.
  const unread = ['policies', 'workflow'].filter((k) => isObject(spec) && spec[k] !== undefined);
  if (unread.length)
    out.diagnostics.push(
      finding(
        'info',
        'not-checked',
        ['spec', unread[0]!],
        `spec.${unread.join(' and spec.')} not checked: graphdata reads the components and their traits only`,
        'KubeVela checks them when the Application is applied',
      ),
    );
  const metadata = isObject(app.metadata) ? app.metadata : {};
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  for (const [i, component] of components.entries()) {
    const at: Segments = ['spec', 'components', i];
    if (!isObject(component)) {
      out.diagnostics.push(
        finding('error', 'vela-application', at, 'a component must be a mapping with name and type'),
      );
      continue;
    }
    checkComponent(app, component, at, known, namespace, out);
  }
  return out;
}

function checkComponent(
  app: Record<string, unknown>,
  component: Record<string, unknown>,
  at: Segments,
  known: KnownDefinitions,
  namespace: string | undefined,
  out: ApplicationCheck,
): void {
  const name = typeof component.name === 'string' ? component.name : undefined;
  if (!name) out.diagnostics.push(finding('error', 'vela-application', at, 'the component has no name'));
  const definition = lookUp(component.type, [...at, 'type'], known.components, known, 'component', out);
  const properties = checked(app, component.properties, [...at, 'properties'], at, definition, out);

  if (component.traits !== undefined && !Array.isArray(component.traits))
    out.diagnostics.push(
      finding('error', 'vela-application', [...at, 'traits'], 'traits must be a list of {type, properties}'),
    );
  const traits = Array.isArray(component.traits) ? component.traits : [];
  const traitParams: TraitUse[] = [];
  for (const [j, trait] of traits.entries()) {
    const tat: Segments = [...at, 'traits', j];
    if (!isObject(trait)) {
      out.diagnostics.push(finding('error', 'vela-application', tat, 'a trait must be a mapping with a type'));
      continue;
    }
    const def = lookUp(trait.type, [...tat, 'type'], known.traits, known, 'trait', out);
    traitParams.push({
      definition: def,
      params: checked(app, trait.properties, [...tat, 'properties'], tat, def, out),
      at: tat,
    });
  }

  if (!definition || properties === undefined || !name) return;
  const rendered = render(app, { name, namespace, at, definition, properties, traits: traitParams });
  if (typeof rendered === 'string')
    out.diagnostics.push(
      finding(
        'info',
        'not-rendered',
        [...at, 'type'],
        `component ${name} (${definition.name}) not rendered: ${rendered}`,
        'KubeVela renders it in the cluster; `vela dry-run` prints what it makes, which validate -f - then checks',
      ),
    );
  else if (rendered && 'origin' in rendered) out.rendered.push(rendered);
  else if (rendered) out.diagnostics.push(rendered);
}

interface TraitUse {
  definition: VelaDefinition | undefined;
  /** Checked, with defaults; undefined when they had errors. */
  params: unknown;
  at: Segments;
}

/** The component with its traits, by graphdata's renderer; else why not, or the conflict; undefined after errors. */
function render(
  app: Record<string, unknown>,
  c: {
    name: string;
    namespace: string | undefined;
    at: Segments;
    definition: VelaDefinition;
    properties: unknown;
    traits: TraitUse[];
  },
): RenderedComponent | Diagnostic | string | undefined {
  const { definition, at, name } = c;
  if (!definition.parameter.ok || definition.template === undefined) return undefined;
  const shipped = recogniseComponent(definition.name, definition.template, definition.parameter.schema);
  if (!shipped.ok) return shipped.why;
  const rendered = shipped.render(c.properties as Record<string, unknown>, {
    name,
    namespace: c.namespace ?? 'default',
  });
  const origins: [Segments, Segments][] = rendered.origins.map(([o, p]) => [o, [...at, 'properties', ...p]]);
  for (const t of c.traits) {
    if (!t.definition || t.params === undefined) return undefined; // its error is said
    if (!t.definition.parameter.ok || t.definition.template === undefined)
      return `trait ${t.definition.name}'s properties could not be read`;
    const trait = recogniseTrait(t.definition.name, t.definition.template, t.definition.parameter.schema);
    if (!trait.ok) return `trait ${t.definition.name}: ${trait.why}`;
    const patch = trait.render(t.params as Record<string, unknown>, rendered.object.kind);
    const conflict = unifyPatch(rendered.object, patch);
    if (conflict)
      return finding(
        'error',
        'vela-trait-conflict',
        t.at,
        `trait ${t.definition.name} sets ${joinPath(conflict)} of component ${name}, which already has another value: KubeVela refuses the conflict`,
        'remove the value the component sets, or the trait',
      );
    origins.push(...leaves(patch).map((p): [Segments, Segments] => [p, t.at]));
  }
  if (c.namespace) (rendered.object.metadata as Record<string, unknown>).namespace = c.namespace;
  return {
    object: rendered.object,
    component: `${name} (${definition.name})`,
    origin: (path) => {
      let best: [Segments, Segments] | undefined;
      for (const o of origins)
        if (
          o[0].length <= path.length &&
          o[0].every((s, k) => s === path[k]) &&
          (!best || o[0].length > best[0].length)
        )
          best = o;
      if (!best) return at;
      // A property the Application left to its default has no line: the component has.
      const property = [...best[1], ...path.slice(best[0].length)];
      return [property, best[1]].find((p) => existing(app, p)?.length === p.length) ?? at;
    },
  };
}

function lookUp(
  type: unknown,
  at: Segments,
  definitions: ReadonlyMap<string, VelaDefinition>,
  known: KnownDefinitions,
  what: 'component' | 'trait',
  out: ApplicationCheck,
): VelaDefinition | undefined {
  if (typeof type !== 'string' || !type) {
    out.diagnostics.push(finding('error', 'vela-application', at, `the ${what} has no type`));
    return undefined;
  }
  const def = definitions.get(type);
  if (def) return def;
  const names = [...definitions.keys()].sort();
  const guess = closest(type, names);
  out.diagnostics.push(
    finding(
      'error',
      'vela-unknown-type',
      at,
      `unknown ${what} type ${type}${guess ? `; did you mean ${guess}?` : ''}`,
      names.length
        ? `${what} types known from ${known.from}: ${names.join(', ')}`
        : `no ${what === 'component' ? 'ComponentDefinition' : 'TraitDefinition'} known from ${known.from}; pass its definition with -f, or use --server`,
    ),
  );
  return undefined;
}

/** The properties checked against the definition; with the defaults filled in if they pass. */
function checked(
  app: Record<string, unknown>,
  properties: unknown,
  at: Segments,
  owner: Segments,
  definition: VelaDefinition | undefined,
  out: ApplicationCheck,
): unknown {
  if (!definition) return undefined;
  if (!definition.parameter.ok) {
    const { construct, line } = definition.parameter.unsupported;
    out.diagnostics.push(
      finding(
        'info',
        'not-checked',
        existing(app, at) ?? owner,
        `properties not checked: ${definition.kind} ${definition.name} (${definition.source}) uses ${construct}${line ? ` at ${definition.templateLine(line)}` : ''}, which graphdata's reader of parameter schemas does not take`,
        'KubeVela checks them in the cluster; see docs/kubevela.md for the constructs validate reads',
      ),
    );
    return undefined;
  }
  const value = properties ?? {};
  const found = checkProperties(value, definition.parameter.schema, at);
  for (const f of found)
    out.diagnostics.push({
      ...finding('error', f.code, existing(app, f.at) ?? owner, f.message, f.hint),
      // The message names the field; a missing one is located at the nearest thing there.
      ...(f.code === 'vela-missing-property' ? {} : { path: joinPath(f.at) }),
    });
  return found.length ? undefined : withDefaults(value, definition.parameter.schema);
}

/** `path`, or the longest prefix of it the document has; undefined if not even its first segment. */
function existing(doc: unknown, path: Segments): Segments | undefined {
  let here = doc;
  let k = 0;
  for (; k < path.length; k++) {
    const s = path[k]!;
    const next = Array.isArray(here) && typeof s === 'number' ? here[s] : isObject(here) ? here[s] : undefined;
    if (next === undefined) break;
    here = next;
  }
  return k === 0 ? undefined : path.slice(0, k);
}

function leaves(o: Record<string, unknown>, at: Segments = []): Segments[] {
  return Object.entries(o).flatMap(([k, v]) => (isObject(v) ? leaves(v, [...at, k]) : [[...at, k]]));
}
