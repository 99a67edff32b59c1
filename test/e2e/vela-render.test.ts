// The shipped KubeVela definitions (plugin/scaffold/vela.ts, templates in policies/vela/shipped-templates.ts) evaluated by `cue` itself
// (cuelang.org/go v0.14.1, KubeVela's pin, built from its Go module): each component's
// template renders the expected object for a table of properties, and the trait's patch,
// unified with it as KubeVela does without patch strategies, adds graphdata's labels and
// annotations on the pods and nothing else. In the e2e project because it needs the Go build.
import { beforeAll, describe, expect, it } from 'vitest';
import { velaDefinitions } from '../../plugin/scaffold/vela.js';
import { checkApplication, velaDefinition } from '../../policies/vela/application.js';
import { COMPONENT_TYPES, traitTemplate } from '../../policies/vela/shipped-templates.js';
import { defaultPolicy, policyWith } from '../fixtures/policy.js';
import { type CueResult, ensureCue, evalTemplate, unify } from '../support/cue.js';

const templates = (policy = defaultPolicy(), opts = {}) =>
  Object.fromEntries(
    velaDefinitions(policy, opts).objects.map((o) => [
      o.metadata.name,
      (o.spec as { schematic: { cue: { template: string } } }).schematic.cue.template,
    ]),
  );
const ctx = { name: 'job1', namespace: 'team-a' };
const value = (r: CueResult) => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const render = (type: string, parameter: object, t = templates()) => evalTemplate(t[type]!, ctx, parameter, 'output');
const patch = (output: object, parameter: object, template = templateOfTrait()) =>
  evalTemplate(template, { ...ctx, output }, parameter, 'patch');
const templateOfTrait = () => templates().graphdata!;

/** Every leaf path of an object, dotted. */
const leaves = (o: unknown, at = ''): string[] =>
  typeof o === 'object' && o !== null && !Array.isArray(o)
    ? Object.entries(o).flatMap(([k, v]) => leaves(v, at ? `${at}.${k}` : k))
    : [at];

beforeAll(() => {
  ensureCue();
}, 900_000);

describe('component templates render', () => {
  it.each([
    [
      'spark defaults',
      COMPONENT_TYPES.spark,
      { mainFile: 'local:///app.jar' },
      {
        kind: 'SparkApplication',
        metadata: { name: 'job1' },
        spec: {
          type: 'Scala',
          mode: 'cluster',
          image: 'apache/spark:3.5.1',
          mainApplicationFile: 'local:///app.jar',
          arguments: [],
          driver: { cores: 1, memory: '1g', serviceAccount: 'spark' },
          executor: { instances: 2, cores: 1, memory: '2g' },
        },
      },
    ],
    [
      'spark with every property',
      COMPONENT_TYPES.spark,
      {
        image: 'registry.internal/etl:1.4.0',
        type: 'Java',
        mainFile: 'local:///etl.jar',
        mainClass: 'com.acme.Etl',
        args: ['alluxio:///in', 'alluxio:///out'],
        serviceAccount: 'etl',
        driver: { cores: 2, memory: '2g' },
        executor: { instances: 8, cores: 4, memory: '8g' },
      },
      {
        spec: {
          type: 'Java',
          image: 'registry.internal/etl:1.4.0',
          mainClass: 'com.acme.Etl',
          arguments: ['alluxio:///in', 'alluxio:///out'],
          driver: { cores: 2, memory: '2g', serviceAccount: 'etl' },
          executor: { instances: 8, cores: 4, memory: '8g' },
        },
      },
    ],
    [
      'starrocks cn',
      COMPONENT_TYPES['starrocks-cn'],
      { replicas: 3, cpu: '8', memory: '16Gi' },
      {
        kind: 'StarRocksCluster',
        spec: {
          starRocksCnSpec: {
            image: 'starrocks/cn-ubuntu:3.2.2',
            replicas: 3,
            requests: { cpu: '8', memory: '16Gi' },
            limits: { cpu: '8', memory: '16Gi' },
          },
          starRocksFeSpec: { image: 'starrocks/fe-ubuntu:3.2.2', replicas: 1 },
        },
      },
    ],
    [
      'graphscope engine',
      COMPONENT_TYPES.graphscope,
      { workers: 4 },
      {
        kind: 'StatefulSet',
        spec: {
          replicas: 4,
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'graphscope', 'app.kubernetes.io/component': 'engine' } },
            spec: {
              containers: [{ name: 'engine', image: 'registry.cn-hongkong.aliyuncs.com/graphscope/analytical:0.29.0' }],
            },
          },
        },
      },
    ],
  ])('%s', (_name, type, parameter, expected) => {
    expect(value(render(type, parameter))).toMatchObject(expected);
  });

  it('leaves mainClass out when not given, and refuses what the parameter schema refuses', () => {
    expect(value(render(COMPONENT_TYPES.spark, { mainFile: 'x' })).spec).not.toHaveProperty('mainClass');
    const missing = render(COMPONENT_TYPES.spark, {});
    expect(missing.ok).toBe(false);
    expect(render(COMPONENT_TYPES.spark, { mainFile: 'x', executor: { instances: 0 } }).ok).toBe(false);
    expect(render(COMPONENT_TYPES.spark, { mainFile: 'x', type: 'Go' }).ok).toBe(false);
  });

  it("takes the default images from the policy's docker.io mirror, or --registry", () => {
    const mirrored = templates(policyWith({ images: { mirrors: [{ from: 'docker.io', to: 'mirror.internal/hub' }] } }));
    expect(value(render(COMPONENT_TYPES.spark, { mainFile: 'x' }, mirrored)).spec.image).toBe(
      'mirror.internal/hub/apache/spark:3.5.1',
    );
    const flagged = templates(defaultPolicy(), { registry: 'registry.internal' });
    expect(value(render(COMPONENT_TYPES['starrocks-cn'], {}, flagged)).spec.starRocksCnSpec.image).toBe(
      'registry.internal/starrocks/cn-ubuntu:3.2.2',
    );
  });
});

describe('the graphdata trait', () => {
  const outputs = () => ({
    spark: value(render(COMPONENT_TYPES.spark, { mainFile: 'x' })),
    starrocks: value(render(COMPONENT_TYPES['starrocks-cn'], {})),
    graphscope: value(render(COMPONENT_TYPES.graphscope, {})),
  });

  it.each([
    [{}, { 'graphdata.io/inject': 'enabled' }, {}],
    [{ inject: false }, { 'graphdata.io/inject': 'false' }, {}],
    [
      { profile: 'ssd', dataset: 'sales' },
      { 'graphdata.io/inject': 'enabled' },
      { 'graphdata.io/profile': 'ssd', 'graphdata.io/dataset': 'sales' },
    ],
  ])('properties %j: labels %j, annotations %j on the pods of each kind', (parameter, labels, annotations) => {
    const o = outputs();
    const meta = { labels, annotations };
    expect(value(patch(o.spark, parameter))).toEqual({ spec: { driver: meta, executor: meta } });
    expect(value(patch(o.starrocks, parameter))).toEqual({
      spec: { starRocksCnSpec: { podLabels: labels, annotations } },
    });
    expect(value(patch(o.graphscope, parameter))).toEqual({ spec: { template: { metadata: meta } } });
  });

  it('writes only labels and annotations, and unifies with the component as KubeVela would', () => {
    const o = outputs();
    for (const output of Object.values(o)) {
      const p = value(patch(output, { profile: 'ssd', dataset: 'sales' }));
      for (const path of leaves(p)) expect(path).toMatch(/\.(labels|podLabels|annotations)\.graphdata\.io\/[a-z]+$/);
      const merged = value(unify(output, p));
      expect(leaves(merged)).toEqual(expect.arrayContaining(leaves(output)));
    }
    const merged = value(unify(o.graphscope, value(patch(o.graphscope, {}))));
    expect(merged.spec.template.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'graphscope',
      'app.kubernetes.io/component': 'engine',
      'app.kubernetes.io/instance': 'job1',
      'graphdata.io/inject': 'enabled',
    });
  });

  it('plain unification: a component already labelled otherwise is a conflict, never overwritten', () => {
    const output = outputs().graphscope;
    output.spec.template.metadata.labels['graphdata.io/inject'] = 'false';
    const merged = unify(output, value(patch(output, {})));
    expect(merged.ok).toBe(false);
    expect(!merged.ok && merged.error).toContain('conflicting values');
  });

  it('a default profile is written into the parameter schema, and a profile not in the policy is refused', () => {
    const policy = policyWith({}, { ssd: {} });
    const t = templates(policy, { profile: 'ssd' }).graphdata!;
    expect(value(patch(outputs().graphscope, {}, t)).spec.template.metadata.annotations).toEqual({
      'graphdata.io/profile': 'ssd',
    });
    expect(() => velaDefinitions(policy, { profile: 'nvme' })).toThrow(/not a profile of the policy/);
    for (const t of [traitTemplate(), ...Object.values(templates())]) expect(t).not.toMatch(/\+patch(Key|Strategy)=/);
  });
});

// `validate` renders graphdata's definitions in TypeScript (policies/vela/shipped-render.ts):
// for each row, the object it checks is the one `cue` makes from the same template, with
// the trait's patch unified in.
describe("validate's TypeScript renderer gives what cue gives", () => {
  const application = (type: string, properties: object, trait: object) => ({
    apiVersion: 'core.oam.dev/v1beta1',
    kind: 'Application',
    metadata: { name: 'app', namespace: ctx.namespace },
    spec: { components: [{ name: ctx.name, type, properties, traits: [{ type: 'graphdata', properties: trait }] }] },
  });

  it.each([
    ['spark, defaults', COMPONENT_TYPES.spark, { mainFile: 'local:///app.jar' }, {}, {}],
    [
      'spark, every property, inject false',
      COMPONENT_TYPES.spark,
      {
        image: 'registry.internal/etl:1.4.0',
        type: 'Java',
        sparkVersion: '3.4.0',
        mainFile: 'local:///etl.jar',
        mainClass: 'com.acme.Etl',
        args: ['alluxio:///in', 'alluxio:///out'],
        serviceAccount: 'etl',
        driver: { cores: 2 },
        executor: { instances: 8, memory: '8g' },
      },
      { inject: false },
      {},
    ],
    [
      'spark, mirrored images',
      COMPONENT_TYPES.spark,
      { mainFile: 'x' },
      { dataset: 'sales' },
      { registry: 'mirror.internal/hub' },
    ],
    [
      'starrocks cn',
      COMPONENT_TYPES['starrocks-cn'],
      { replicas: 3, cpu: '8', memory: '16Gi' },
      { profile: 'ssd' },
      {},
    ],
    ['starrocks cn, defaults', COMPONENT_TYPES['starrocks-cn'], {}, {}, { registry: 'registry.internal' }],
    [
      'graphscope',
      COMPONENT_TYPES.graphscope,
      { workers: 4, image: 'registry.internal/gs:1' },
      { profile: 'ssd', dataset: 'g' },
      {},
    ],
    ['graphscope, default profile', COMPONENT_TYPES.graphscope, {}, {}, { profile: 'ssd' }],
  ])('%s', (_name, type, properties, trait, opts) => {
    const policy = policyWith({}, { ssd: {} });
    const objects = velaDefinitions(policy, opts).objects;
    const known = (kind: string) =>
      new Map(
        objects
          .filter((o) => o.kind === kind)
          .map((o) => [o.metadata.name, velaDefinition(o as Record<string, unknown>, 'defs.yaml')!]),
      );
    const check = checkApplication(application(type, properties, trait), {
      components: known('ComponentDefinition'),
      traits: known('TraitDefinition'),
      from: 'defs.yaml',
    });
    expect(check.diagnostics).toEqual([]);
    const ours = structuredClone(check.rendered[0]!.object) as { metadata: Record<string, unknown> };
    expect(ours.metadata.namespace).toBe(ctx.namespace); // KubeVela's, not the template's
    delete ours.metadata.namespace;
    const t = templates(policy, opts);
    const output = value(render(type, properties, t));
    const theirs = value(unify(output, value(patch(output, trait, t.graphdata))));
    expect(ours).toEqual(theirs);
  });
});
