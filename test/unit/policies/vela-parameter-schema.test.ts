// The reader of KubeVela `parameter` schemas: the subset it takes, read right, and every
// construct outside it named with its line instead of guessed. Against graphdata's own
// definitions and real upstream ones (test/upstream-vela-definitions/).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../fixtures/policy.js';
import { velaDefinitions } from '../../../plugin/scaffold/vela.js';
import { checkProperties, withDefaults } from '../../../policies/vela/check-properties.js';
import { type ParameterRead, readParameterSchema, type Schema } from '../../../policies/vela/parameter-schema.js';

const schemaOf = (template: string): Schema => {
  const read = readParameterSchema(template);
  if (!read.ok) throw new Error(`${read.unsupported.construct} at ${read.unsupported.line}`);
  return read.schema;
};
const codes = (value: unknown, template: string) =>
  checkProperties(value, schemaOf(template), ['properties']).map((f) => `${f.code} ${f.at.join('.')}`);
const upstream = (name: string): string => {
  const path = fileURLToPath(new URL(`../../upstream-vela-definitions/${name}.yaml`, import.meta.url));
  return (load(readFileSync(path, 'utf8')) as { spec: { schematic: { cue: { template: string } } } }).spec.schematic.cue
    .template;
};
const unsupported = (read: ParameterRead) => (read.ok ? undefined : read.unsupported);

describe('reads the subset', () => {
  it('reads every definition graphdata ships', () => {
    for (const o of velaDefinitions(defaultPolicy()).objects) {
      const template = (o.spec as { schematic: { cue: { template: string } } }).schematic.cue.template;
      expect(unsupported(readParameterSchema(template)), o.metadata.name).toBeUndefined();
    }
  });

  it('types, defaults either side, bounds, enums, nested and open structs, lists, patterns, references', () => {
    const template = `
import "strings"
output: {
	if parameter.x != _|_ { y: parameter.x }
}
parameter: {
	// +usage=A name
	name!: string
	mode: string | *"fast"
	kind: *"a" | "b"
	count: *1 | int & >=1 & <=10
	ratio?: number
	on: bool
	tags: [...string]
	env?: [...{name: string, value?: string}]
	extra: {...}
	labels?: [string]: string | null
	probe?: #Probe
	nested: deep: *3 | int
}
#Probe: {
	port: int & >0 & !=22
}
`;
    const s = schemaOf(template);
    expect(codes({ name: 'x', on: true, tags: [] }, template)).toEqual([]);
    expect(codes({}, template)).toEqual([
      'vela-missing-property properties',
      'vela-missing-property properties',
      'vela-missing-property properties',
    ]);
    expect(
      codes(
        {
          name: 1,
          kind: 'c',
          count: 11,
          ratio: 'x',
          on: 'yes',
          tags: ['a', 2],
          env: [{ name: 'A', valu: 'b' }],
          extra: { anything: 1 },
          labels: { a: 'b', c: null, d: 3 },
          probe: { port: 22 },
          nested: { deep: 'x' },
          nme: 'y',
        },
        template,
      ),
    ).toEqual([
      'vela-property-type properties.name',
      'vela-property-type properties.kind',
      'vela-property-type properties.count',
      'vela-property-type properties.ratio',
      'vela-property-type properties.on',
      'vela-property-type properties.tags.1',
      'vela-unknown-property properties.env.0.valu',
      'vela-property-type properties.labels.d',
      'vela-property-type properties.probe.port',
      'vela-property-type properties.nested.deep',
      'vela-unknown-property properties.nme',
    ]);
    expect(withDefaults({ name: 'x', on: true, tags: [] }, s)).toEqual({
      name: 'x',
      on: true,
      tags: [],
      mode: 'fast',
      kind: 'a',
      count: 1,
      extra: {},
      nested: { deep: 3 },
    });
    const usage = s.alternatives[0]![0]!;
    expect(usage.k === 'struct' && usage.fields[0]).toMatchObject({ name: 'name', required: true, usage: 'A name' });
  });

  it('upstream worker and webservice: fields under `if type == "pvc"` count only for that type', () => {
    for (const name of ['worker', 'webservice']) {
      const template = upstream(name);
      expect(unsupported(readParameterSchema(template)), name).toBeUndefined();
      const volume = (v: object) =>
        codes({ image: 'nginx:1.27', volumes: [{ name: 'v', mountPath: '/v', ...v }] }, template);
      expect(volume({ type: 'pvc', claimName: 'data' })).toEqual([]);
      expect(volume({ type: 'pvc' })).toEqual(['vela-missing-property properties.volumes.0']);
      // The default type is emptyDir: medium is its field, claimName is not.
      expect(volume({ medium: 'Memory' })).toEqual([]);
      expect(volume({ claimName: 'data' })).toEqual(['vela-unknown-property properties.volumes.0.claimName']);
      expect(volume({ type: 'nfs' })).toEqual(['vela-property-type properties.volumes.0.type']);
      expect(codes({ image: 'nginx:1.27', livenessProbe: { httpGet: { path: '/', port: '80' } } }, template)).toEqual([
        'vela-property-type properties.livenessProbe.httpGet.port',
      ]);
    }
    const s = schemaOf(upstream('worker'));
    expect(withDefaults({ image: 'x', volumes: [{ name: 'v', mountPath: '/v' }] }, s)).toMatchObject({ image: 'x' });
  });

  it('upstream scaler and labels are read and checked', () => {
    expect(codes({ replicas: 3 }, upstream('scaler'))).toEqual([]);
    expect(codes({ replicas: '3', replica: 1 }, upstream('scaler'))).toEqual([
      'vela-property-type properties.replicas',
      'vela-unknown-property properties.replica',
    ]);
    expect(codes({ team: 'a', gone: null }, upstream('labels'))).toEqual([]);
    expect(codes({ team: 1 }, upstream('labels'))).toEqual(['vela-property-type properties.team']);
  });
});

describe('never guesses outside the subset', () => {
  it.each([
    ['a regexp', 'parameter: {a: =~"^x"}', '`=~`', 1],
    ['a call', 'parameter: {\n\ta: strings.MinRunes(1)\n}', 'selector strings.… (a package call or another field)', 2],
    ['a field reference', 'parameter: {a: string, b: a}', '`a`', 1],
    ['a float', 'parameter: {a: *0.5 | number}', 'float 0.5 (a float is no int in CUE)', 1],
    ['a float type', 'parameter: {a: float}', '`float`', 1],
    ['a comprehension', 'parameter: {\n\tfor k, v in x {}\n}', '`for` comprehension', 2],
    [
      'an if on no literal',
      'parameter: {\n\ta: int\n\tif a > 1 {b: int}\n}',
      '`if` comprehension (other than if FIELD == LITERAL)',
      3,
    ],
    [
      'an if on a reference',
      'parameter: {\n\tif parameter.a != _|_ {b: int}\n}',
      '`if` comprehension (other than if FIELD == LITERAL)',
      2,
    ],
    ['an if on no sibling', 'parameter: {\n\tif kind == "x" {b: int}\n}', 'if on kind, which is no field beside it', 2],
    ['a non-concrete default', 'parameter: {a: *string | int}', 'a default (*) that is no concrete value', 1],
    ['a regexp pattern', 'parameter: {[=~"^a"]: string}', 'pattern constraint [`=~`…]', 1],
    ['interpolation', 'parameter: {a: *"\\(x)" | string}', 'string interpolation \\(…)', 1],
    ['an undeclared definition', 'parameter: {a: #Nope}', 'reference #Nope (not declared at the top level)', 1],
    ['no parameter block', 'output: {}', 'no parameter block', 1],
    [
      'a parameter inside if',
      'if x {\n\tparameter: {a: string}\n}\nparameter: {}',
      'parameter declared inside a comprehension (line 1)',
      2,
    ],
    ['an escape JSON does not have', 'parameter: {a: *"it\\\'s" | string}', 'string escape in "it\\\'s"', 1],
    [
      'nesting past the limit',
      `parameter: {a: ${'('.repeat(5000)}int${')'.repeat(5000)}}`,
      'nesting deeper than 64',
      1,
    ],
  ])('%s', (_name, template, construct, line) => {
    expect(unsupported(readParameterSchema(template))).toEqual({ construct, line });
  });
});
