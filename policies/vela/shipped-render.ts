// graphdata's own KubeVela definitions rendered in TypeScript, so `validate` can run a
// component through the checks of the object it makes without the vela CLI. Written
// beside the CUE of shipped-templates.ts, field for field; test/e2e/vela-render.test.ts
// proves both give the same objects with `cue` v0.14.1 over a table of properties.
// A definition is rendered here only when its template is exactly what
// shipped-templates.ts makes for its parameter defaults: an edited template is never.
import { ANNOTATION_DATASET, ANNOTATION_PROFILE, LABEL_INJECT } from '../model.js';
import { OPT_IN_VALUE } from '../pod-opt-in.js';
import type { Segments } from '../diagnostics.js';
import { isObject } from '../rules/types.js';
import type { Schema } from './parameter-schema.js';
import {
  COMPONENT_TYPES,
  graphscopeTemplate,
  sparkTemplate,
  starrocksTemplate,
  TRAIT_NAME,
  traitTemplate,
} from './shipped-templates.js';

type Params = Record<string, any>;
export interface RenderContext {
  name: string;
  namespace: string;
}

/** A rendered object, and which property (relative to `properties`) made which field. */
export interface Rendered {
  object: Record<string, unknown>;
  origins: [output: Segments, property: Segments][];
}

export type ShippedComponent = (params: Params, context: RenderContext) => Rendered;

/** The string default of a top-level parameter, as the template's schema has it. */
function defaultOf(schema: Schema, name: string): string | undefined {
  const struct = schema.alternatives[0]?.find((c) => c.k === 'struct');
  const value = struct?.k === 'struct' ? struct.fields.find((f) => f.name === name)?.schema.default?.value : undefined;
  return typeof value === 'string' ? value : undefined;
}

type Recognised<T> = { ok: true; render: T } | { ok: false; why: string };

/** What shipped-templates.ts makes for this definition's defaults, and whether it is the template given. */
function sameTemplate<T>(name: string, template: string, expected: string | undefined, render: T): Recognised<T> {
  if (expected === undefined) return { ok: false, why: `${name} is not one of graphdata's definitions` };
  if (template === expected) return { ok: true, render };
  const a = template.split('\n');
  const b = expected.split('\n');
  const line = a.findIndex((l, i) => l !== b[i]) + 1 || Math.min(a.length, b.length) + 1;
  return {
    ok: false,
    why: `its template is not the one \`kubectl graphdata scaffold vela-definitions\` writes (they differ at template line ${line}), so graphdata does not render it without KubeVela`,
  };
}

export function recogniseComponent(name: string, template: string, schema: Schema): Recognised<ShippedComponent> {
  const image = defaultOf(schema, 'image') ?? '';
  switch (name) {
    case COMPONENT_TYPES.spark:
      return sameTemplate(name, template, sparkTemplate(image), renderSpark);
    case COMPONENT_TYPES['starrocks-cn']:
      return sameTemplate(
        name,
        template,
        starrocksTemplate(image, defaultOf(schema, 'feImage') ?? ''),
        renderStarRocks,
      );
    case COMPONENT_TYPES.graphscope:
      return sameTemplate(name, template, graphscopeTemplate(image), renderGraphScope);
  }
  return sameTemplate(name, template, undefined, renderSpark);
}

export function recogniseTrait(name: string, template: string, schema: Schema): Recognised<typeof traitPatch> {
  return sameTemplate(
    name,
    template,
    name === TRAIT_NAME ? traitTemplate(defaultOf(schema, 'profile')) : undefined,
    traitPatch,
  );
}

function renderSpark(p: Params, context: RenderContext): Rendered {
  return {
    object: {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: context.name },
      spec: {
        type: p.type,
        mode: 'cluster',
        image: p.image,
        imagePullPolicy: 'IfNotPresent',
        sparkVersion: p.sparkVersion,
        mainApplicationFile: p.mainFile,
        ...(p.mainClass !== undefined ? { mainClass: p.mainClass } : {}),
        arguments: p.args,
        restartPolicy: { type: 'Never' },
        driver: { cores: p.driver.cores, memory: p.driver.memory, serviceAccount: p.serviceAccount },
        executor: { instances: p.executor.instances, cores: p.executor.cores, memory: p.executor.memory },
      },
    },
    origins: [
      [['spec', 'type'], ['type']],
      [['spec', 'image'], ['image']],
      [['spec', 'sparkVersion'], ['sparkVersion']],
      [['spec', 'mainApplicationFile'], ['mainFile']],
      [['spec', 'mainClass'], ['mainClass']],
      [['spec', 'arguments'], ['args']],
      [['spec', 'driver', 'serviceAccount'], ['serviceAccount']],
      [['spec', 'driver'], ['driver']],
      [['spec', 'executor'], ['executor']],
    ],
  };
}

function renderStarRocks(p: Params, context: RenderContext): Rendered {
  const resources = { cpu: p.cpu, memory: p.memory };
  return {
    object: {
      apiVersion: 'starrocks.com/v1',
      kind: 'StarRocksCluster',
      metadata: { name: context.name },
      spec: {
        starRocksFeSpec: {
          image: p.feImage,
          replicas: 1,
          requests: { cpu: '1', memory: '2Gi' },
          limits: { cpu: '1', memory: '2Gi' },
        },
        starRocksCnSpec: {
          image: p.image,
          replicas: p.replicas,
          requests: { ...resources },
          limits: { ...resources },
        },
      },
    },
    origins: [
      [['spec', 'starRocksFeSpec', 'image'], ['feImage']],
      [['spec', 'starRocksCnSpec', 'image'], ['image']],
      [['spec', 'starRocksCnSpec', 'replicas'], ['replicas']],
      ...(['requests', 'limits'] as const).flatMap((r): [Segments, Segments][] => [
        [['spec', 'starRocksCnSpec', r, 'cpu'], ['cpu']],
        [['spec', 'starRocksCnSpec', r, 'memory'], ['memory']],
      ]),
    ],
  };
}

function renderGraphScope(p: Params, context: RenderContext): Rendered {
  const labels = () => ({
    'app.kubernetes.io/name': 'graphscope',
    'app.kubernetes.io/component': 'engine',
    'app.kubernetes.io/instance': context.name,
  });
  const resources = () => ({ cpu: p.cpu, memory: p.memory });
  const container = ['spec', 'template', 'spec', 'containers', 0];
  return {
    object: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: context.name },
      spec: {
        replicas: p.workers,
        serviceName: context.name,
        selector: { matchLabels: labels() },
        template: {
          metadata: { labels: labels() },
          spec: {
            containers: [
              {
                name: 'engine',
                image: p.image,
                resources: { requests: resources(), limits: resources() },
              },
            ],
          },
        },
      },
    },
    origins: [
      [['spec', 'replicas'], ['workers']],
      [[...container, 'image'], ['image']],
      ...(['requests', 'limits'] as const).flatMap((r): [Segments, Segments][] => [
        [[...container, 'resources', r, 'cpu'], ['cpu']],
        [[...container, 'resources', r, 'memory'], ['memory']],
      ]),
    ],
  };
}

/** The `graphdata` trait's `patch` for a component that renders `kind`. */
export function traitPatch(p: Params, kind: unknown): Record<string, unknown> {
  const labels = { [LABEL_INJECT]: p.inject ? OPT_IN_VALUE : 'false' };
  const annotations: Record<string, string> = {};
  if (p.profile !== undefined) annotations[ANNOTATION_PROFILE] = p.profile;
  if (p.dataset !== undefined) annotations[ANNOTATION_DATASET] = p.dataset;
  const meta = () => ({ labels: { ...labels }, annotations: { ...annotations } });
  if (kind === 'SparkApplication') return { spec: { driver: meta(), executor: meta() } };
  if (kind === 'StarRocksCluster')
    return { spec: { starRocksCnSpec: { podLabels: { ...labels }, annotations: { ...annotations } } } };
  return { spec: { template: { metadata: meta() } } };
}

/**
 * The patch unified into the object, as plain CUE does: new keys are added, equal values
 * stay, and a different value is a conflict (the path of the first one).
 */
export function unifyPatch(
  object: Record<string, unknown>,
  patch: Record<string, unknown>,
  at: Segments = [],
): Segments | undefined {
  for (const [key, value] of Object.entries(patch)) {
    const here = object[key];
    if (here === undefined) object[key] = structuredClone(value);
    else if (isObject(here) && isObject(value)) {
      const conflict = unifyPatch(here, value, [...at, key]);
      if (conflict) return conflict;
    } else if (JSON.stringify(here) !== JSON.stringify(value)) return [...at, key];
  }
  return undefined;
}
