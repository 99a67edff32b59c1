// `validate` on KubeVela Applications: component and trait types against the definitions
// given with -f, properties against each definition's parameter schema, and the objects
// graphdata's own definitions render run through the plain checks, every finding at the
// Application's line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import { runCli as cli } from '../run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gd-vela-validate-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const upstream = (name: string) =>
  fileURLToPath(new URL(`../../../upstream-vela-definitions/${name}.yaml`, import.meta.url));
let defs: string;

beforeAll(async () => {
  const run = await cli(['scaffold', 'vela-definitions']);
  expect(run.code).toBe(0);
  defs = file('defs.yaml', run.stdout);
});

async function validate(...args: string[]): Promise<{ code: number; diagnostics: Diagnostic[] }> {
  const run = await cli(['validate', ...args, '-o', 'json']);
  return { code: run.code, diagnostics: (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics };
}

/** 1-based line of the first line of `path` containing `needle`. */
const lineOf = (path: string, needle: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle)) + 1;

/** Images from registry.internal only; docker.io goes through its mirror there. */
const REGISTRY_POLICY = `apiVersion: graphdata.io/v1alpha1
kind: ClusterGraphDataPolicy
metadata: {name: p}
spec:
  limits:
    allowedRegistries: [registry.internal]
  images:
    mirrors: [{from: docker.io, to: registry.internal/hub}]
`;

const APP = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata:
  name: wordcount
  namespace: team-a
spec:
  components:
    - name: wordcount
      type: graphdata-spark-job
      properties:
        mainFile: local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar
        mainClass: org.apache.spark.examples.JavaWordCount
        args: [alluxio:///data/input.txt]
        executor:
          instances: 2
          memory: 2g
      traits:
        - type: graphdata
`;

describe('validate: KubeVela Applications', () => {
  it('passes a good Application against the shipped definitions', async () => {
    const app = file('good.yaml', APP);
    const run = await validate('-f', app, '-f', defs);
    expect(run.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(run.diagnostics.map((d) => d.code)).not.toContain('not-checked');
    expect(run.code).toBe(0);
  });

  it('a misspelt property: error at its line, with the field path and a did-you-mean', async () => {
    const app = file('typo.yaml', APP.replace('memory: 2g', 'memroy: 2g'));
    const run = await validate('-f', app, '-f', defs);
    expect(run.code).toBe(1);
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        code: 'vela-unknown-property',
        path: 'spec.components[0].properties.executor.memroy',
        file: app,
        line: lineOf(app, 'memroy'),
        message: expect.stringContaining('did you mean memory?'),
      }),
    );
  });

  it.each([
    [
      'an enum value',
      'mainClass: org',
      'type: scala\n        mainClass: org',
      'type: scala',
      'properties.type',
      /"Scala" \| "Java".*did you mean "Scala"/,
    ],
    ['a bound', 'instances: 2', 'instances: 0', 'instances: 0', 'properties.executor.instances', /int 0.*>=1/],
    [
      'an int for a string',
      'memory: 2g',
      'memory: 2',
      'memory: 2',
      'properties.executor.memory',
      /int 2, the definition wants "2g" \| string/,
    ],
    [
      'a list of strings',
      'args: [alluxio:///data/input.txt]',
      'args: [1]',
      'args: [1]',
      'properties.args[0]',
      /wants string/,
    ],
    [
      'a nested struct',
      'mainClass: org',
      'driver: 4\n        mainClass: org',
      'driver: 4',
      'properties.driver',
      /is int 4.*a struct/,
    ],
  ])('a wrong type: %s', async (_name, from, to, needle, path, message) => {
    const app = file('type.yaml', APP.replace(from, to));
    const run = await validate('-f', app, '-f', defs);
    const found = run.diagnostics.filter((d) => d.code === 'vela-property-type');
    expect(found).toEqual([expect.objectContaining({ path: `spec.components[0].${path}`, severity: 'error' })]);
    expect(found[0]!.message).toMatch(message);
    expect(found[0]!.line).toBe(lineOf(app, needle));
  });

  it('a missing required property: at properties, naming the field', async () => {
    const app = file('missing.yaml', APP.replace(/ {8}mainFile: .*\n/, ''));
    const run = await validate('-f', app, '-f', defs);
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'vela-missing-property',
        message: 'missing required property spec.components[0].properties.mainFile',
        path: 'spec.components[0].properties',
        line: lineOf(app, 'properties:'),
      }),
    );
  });

  it('unknown component and trait types: did-you-mean and the known ones', async () => {
    const app = file(
      'types.yaml',
      APP.replace('type: graphdata-spark-job', 'type: graphdata-spark-jobs').replace(
        '- type: graphdata',
        '- type: graphdat',
      ),
    );
    const run = await validate('-f', app, '-f', defs);
    const [component, trait] = run.diagnostics.filter((d) => d.code === 'vela-unknown-type');
    expect(component).toMatchObject({
      path: 'spec.components[0].type',
      line: lineOf(app, 'graphdata-spark-jobs'),
      message: 'unknown component type graphdata-spark-jobs; did you mean graphdata-spark-job?',
      hint: `component types known from -f ${defs}: graphdata-graphscope-engine, graphdata-spark-job, graphdata-starrocks-cn`,
    });
    expect(trait).toMatchObject({
      path: 'spec.components[0].traits[0].type',
      message: 'unknown trait type graphdat; did you mean graphdata?',
    });
  });

  it('spec.policies and spec.workflow: said to be not checked, once', async () => {
    const app = file('workflow.yaml', `${APP}  policies: [{name: topo, type: topology}]\n  workflow: {steps: []}\n`);
    const run = await validate('-f', app, '-f', defs);
    expect(run.diagnostics.filter((d) => d.code === 'not-checked')).toEqual([
      expect.objectContaining({
        severity: 'info',
        path: 'spec.policies',
        message: 'spec.policies and spec.workflow not checked: graphdata reads the components and their traits only',
      }),
    ]);
    expect(run.code).toBe(0);
  });

  it('without definitions: one info for the run, saying how to pass them', async () => {
    const a = file('a.yaml', APP);
    const b = file('b.yaml', APP.replace('name: wordcount\n  namespace', 'name: other\n  namespace'));
    const run = await validate('-f', a, '-f', b);
    const notChecked = run.diagnostics.filter((d) => d.code === 'not-checked');
    expect(notChecked).toEqual([
      expect.objectContaining({
        severity: 'info',
        message: '2 KubeVela Applications not checked: no ComponentDefinition or TraitDefinition was given',
        hint: expect.stringContaining('-f defs.yaml'),
      }),
    ]);
    expect(run.code).toBe(0);
    expect((await validate('-f', a, '--strict')).code).toBe(1);
  });

  it("renders the component with the trait and runs the plain checks, at the Application's lines", async () => {
    // An image from a registry the policy does not allow is a plain SparkApplication finding.
    const app = file('render.yaml', APP.replace('mainClass:', 'image: quay.io/acme/spark:3.5.1\n        mainClass:'));
    const run = await validate('-f', app, '-f', defs, '--policy', file('policy.yaml', REGISTRY_POLICY));
    const rendered = run.diagnostics.filter((d) =>
      d.message.startsWith('component wordcount (graphdata-spark-job) renders SparkApplication'),
    );
    expect(rendered.length).toBeGreaterThan(0);
    for (const d of rendered) expect(d.file).toBe(app);
    expect(rendered).toContainEqual(
      expect.objectContaining({
        code: 'registry-not-allowed',
        path: 'spec.components[0].properties.image',
        line: lineOf(app, 'image: quay.io'),
      }),
    );
    expect(run.diagnostics.some((d) => d.code === 'not-rendered')).toBe(false);
  });

  describe('in a List (kubectl creates its items one by one)', () => {
    /** `objects` as the items of one List document, each indented under `items:`. */
    const asList = (...objects: string[]) =>
      `apiVersion: v1\nkind: List\nitems:\n${objects
        .map((o) =>
          o
            .trimEnd()
            .split('\n')
            .map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`)
            .join('\n'),
        )
        .join('\n')}\n`;
    const CONFIG_MAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n';

    it('an Application item is checked: a misspelt property at its line, the path from the List', async () => {
      const list = file('list-typo.yaml', asList(CONFIG_MAP, APP.replace('memory: 2g', 'memroy: 2g')));
      const run = await validate('-f', list, '-f', defs);
      expect(run.code).toBe(1);
      expect(run.diagnostics).toContainEqual(
        expect.objectContaining({
          code: 'vela-unknown-property',
          path: 'items[1].spec.components[0].properties.executor.memroy',
          file: list,
          line: lineOf(list, 'memroy'),
        }),
      );
      // Read as an Application: not also "of an unknown API group".
      expect(run.diagnostics.filter((d) => d.code === 'not-checked')).toEqual([]);
    });

    it('definitions given in a List are used, and rendered findings point into the List', async () => {
      const defsList = file(
        'defs-list.yaml',
        asList(
          ...readFileSync(defs, 'utf8')
            .split(/^---\n/m)
            .filter((d) => d.trim()),
        ),
      );
      const good = file('list-good.yaml', asList(APP));
      expect((await validate('-f', good, '-f', defsList)).code).toBe(0);
      const list = file(
        'list-render.yaml',
        asList(APP.replace('mainClass:', 'image: quay.io/acme/spark:3.5.1\n        mainClass:')),
      );
      const run = await validate('-f', list, '-f', defsList, '--policy', file('policy.yaml', REGISTRY_POLICY));
      expect(run.diagnostics).toContainEqual(
        expect.objectContaining({
          code: 'registry-not-allowed',
          path: 'items[0].spec.components[0].properties.image',
          file: list,
          line: lineOf(list, 'image: quay.io'),
        }),
      );
    });

    it('an unknown component type in a List fails the run; without definitions it is said once', async () => {
      const list = file(
        'list-type.yaml',
        asList(APP.replace('type: graphdata-spark-job', 'type: graphdata-spark-jobb')),
      );
      const run = await validate('-f', list, '-f', defs);
      expect(run.code).toBe(1);
      expect(run.diagnostics).toContainEqual(
        expect.objectContaining({ code: 'vela-unknown-type', path: 'items[0].spec.components[0].type' }),
      );
      const alone = await validate('-f', list);
      expect(alone.diagnostics.filter((d) => d.code === 'not-checked')).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/^1 KubeVela Application not checked/) }),
      ]);
    });
  });

  it('a field the Application left to its default points at the component', async () => {
    const app = file('default.yaml', APP);
    const run = await validate('-f', app, '-f', defs, '--policy', file('policy.yaml', REGISTRY_POLICY));
    // apache/spark:3.5.1 is the definition's default image, from docker.io: not allowed.
    const registry = run.diagnostics.find((d) => d.code === 'registry-not-allowed' && d.file === app);
    expect(registry).toMatchObject({ path: 'spec.components[0]', line: lineOf(app, '- name: wordcount') });
    expect(registry!.message).toContain('with spec.image');
  });

  it('an edited template is not rendered by graphdata: info not-rendered, properties still checked', async () => {
    const edited = file(
      'edited.yaml',
      readFileSync(defs, 'utf8').replace('mode:                "cluster"', 'mode:                "client"'),
    );
    const app = file('edited-app.yaml', APP.replace('memory: 2g', 'memroy: 2g'));
    const run = await validate('-f', app, '-f', edited);
    expect(run.diagnostics.map((d) => d.code)).toContain('vela-unknown-property');
    const fixed = await validate('-f', file('edited-ok.yaml', APP), '-f', edited);
    expect(fixed.diagnostics).toContainEqual(
      expect.objectContaining({
        severity: 'info',
        code: 'not-rendered',
        message: expect.stringMatching(
          /graphdata-spark-job.*not the one `kubectl graphdata scaffold vela-definitions` writes.*line \d+/,
        ),
      }),
    );
  });

  it('a trait that conflicts with what the component sets is an error', async () => {
    const app = file('inject-false.yaml', `${APP}        - type: graphdata\n          properties: {inject: false}\n`);
    const run = await validate('-f', app, '-f', defs);
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'vela-trait-conflict', path: 'spec.components[0].traits[1]' }),
    );
  });
});

it('an Application of the wrong shape gets errors, not a crash', async () => {
  const shapes = [
    ['spec: {components: {}}', 'spec', 'an Application needs spec.components, a list'],
    ['spec: {components: [3]}', 'spec.components[0]', 'a component must be a mapping with name and type'],
    ['spec: {components: [{name: a, type: 7}]}', 'spec.components[0].type', 'the component has no type'],
    [
      'spec: {components: [{name: a, type: graphdata-spark-job, properties: "x"}]}',
      'spec.components[0].properties',
      'spec.components[0].properties is string "x", the definition wants a struct',
    ],
    [
      'spec: {components: [{name: a, type: graphdata-spark-job, properties: {mainFile: x}, traits: {type: graphdata}}]}',
      'spec.components[0].traits',
      'traits must be a list of {type, properties}',
    ],
  ];
  for (const [spec, path, message] of shapes) {
    const app = file(
      'shape.yaml',
      `apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata: {name: a}\n${spec}\n`,
    );
    const run = await validate('-f', app, '-f', defs);
    expect(run.code).toBe(1);
    expect(run.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', path, message }));
  }
});

describe('validate: foreign definitions (upstream KubeVela)', () => {
  const app = (component: string, traits: string) => `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: web, namespace: team-a}
spec:
  components:
    - name: web
${component}
      traits:
${traits}
`;

  it('checks properties of a definition in the subset, and says it cannot render it', async () => {
    const a = file(
      'upstream.yaml',
      app(
        '      type: graphdata-spark-job\n      properties: {mainFile: x}',
        '        - type: scaler\n          properties: {replica: 2}\n        - type: labels\n          properties: {team: a, cost: 3}',
      ),
    );
    const run = await validate('-f', a, '-f', defs, '-f', upstream('scaler'), '-f', upstream('labels'));
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'vela-unknown-property',
        path: 'spec.components[0].traits[0].properties.replica',
        message: expect.stringContaining('did you mean replicas?'),
      }),
    );
    // labels: `[string]: string | null`; a number is not a label value.
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'vela-property-type', path: 'spec.components[0].traits[1].properties.cost' }),
    );
    const ok = file(
      'upstream-ok.yaml',
      app(
        '      type: graphdata-spark-job\n      properties: {mainFile: x}',
        '        - type: scaler\n          properties: {replicas: 2}',
      ),
    );
    const good = await validate('-f', ok, '-f', defs, '-f', upstream('scaler'));
    expect(good.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(good.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'not-rendered', message: expect.stringContaining('trait scaler') }),
    );
  });

  it('upstream worker: a pvc volume without claimName is a missing property at the volume', async () => {
    const a = file(
      'worker.yaml',
      app(
        '      type: worker\n      properties:\n        image: nginx:1.27\n        volumes:\n          - {name: data, mountPath: /data, type: pvc}',
        '        []',
      ),
    );
    const run = await validate('-f', a, '-f', upstream('worker'));
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'vela-missing-property',
        message: 'missing required property spec.components[0].properties.volumes[0].claimName',
        path: 'spec.components[0].properties.volumes[0]',
        line: lineOf(a, '- {name: data'),
      }),
    );
    const ok = file('worker-ok.yaml', readFileSync(a, 'utf8').replace('type: pvc}', 'type: pvc, claimName: data}'));
    const fixed = await validate('-f', ok, '-f', upstream('worker'));
    expect(fixed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(fixed.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'not-rendered',
        message: expect.stringContaining('worker is not one of graphdata'),
      }),
    );
  });

  it("a construct outside the subset: info not-checked naming it and the definition's line", async () => {
    const foreign = file(
      'foreign.yaml',
      `apiVersion: core.oam.dev/v1beta1
kind: ComponentDefinition
metadata: {name: cron, namespace: vela-system}
spec:
  workload: {definition: {apiVersion: batch/v1, kind: CronJob}}
  schematic:
    cue:
      template: |
        output: {apiVersion: "batch/v1", kind: "CronJob"}
        parameter: {
        	schedule: =~"^[0-9*/ ,-]+$"
        }
`,
    );
    const a = file(
      'cron.yaml',
      app('      type: cron\n      properties: {schedule: "* * * * *", imag: x}', '        []'),
    );
    const run = await validate('-f', a, '-f', foreign);
    const info = run.diagnostics.find((d) => d.code === 'not-checked');
    expect(info).toMatchObject({ severity: 'info', path: 'spec.components[0].properties' });
    expect(info!.message).toBe(
      `properties not checked: ComponentDefinition cron (${foreign}:1) uses \`=~\` at ${foreign}:${lineOf(foreign, 'schedule: =~')}, which graphdata's reader of parameter schemas does not take`,
    );
    expect(run.diagnostics.map((d) => d.code)).not.toContain('vela-unknown-property');
  });
});
