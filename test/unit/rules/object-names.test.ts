import { describe, expect, it } from 'vitest';
import { nameFormatFor, nameProblem, suggestName } from '../../../policies/object-names.js';
import { nameRule } from '../../../policies/rules/invalid-name.js';
import { runCli } from '../plugin/run-cli.js';
import { run, sparkApp } from './helpers.js';

describe('names as the apiserver validates them', () => {
  it.each([
    ['word-count', 'dns1123-subdomain', undefined],
    ['a.b-c', 'dns1123-subdomain', undefined],
    ['Word_Count', 'dns1123-subdomain', 'must be lower-case letters, digits, "-" and "."'],
    ['-x', 'dns1123-subdomain', 'must be'],
    ['x'.repeat(254), 'dns1123-subdomain', 'longer than 253'],
    ['a.b', 'dns1123-label', 'must be lower-case letters, digits and "-"'],
    ['x'.repeat(64), 'dns1123-label', 'longer than 63'],
    ['9svc', 'dns1035-label', 'starting with a letter'],
    ['system:controller:x', 'path-segment', undefined],
    ['a/b', 'path-segment', 'without "/"'],
  ] as const)('%s as %s', (name, format, problem) => {
    if (problem === undefined) expect(nameProblem(name, format)).toBeUndefined();
    else expect(nameProblem(name, format)).toContain(problem);
  });

  it('knows which kinds take which format', () => {
    expect(nameFormatFor('Namespace', 'v1')).toBe('dns1123-label');
    expect(nameFormatFor('Service', 'v1')).toBe('dns1035-label');
    expect(nameFormatFor('Role', 'rbac.authorization.k8s.io/v1')).toBe('path-segment');
    expect(nameFormatFor('SparkApplication', 'sparkoperator.k8s.io/v1beta2')).toBe('dns1123-subdomain');
  });

  it('suggests the nearest valid spelling', () => {
    expect(suggestName('Word_Count', 'dns1123-subdomain')).toBe('word-count');
    expect(suggestName('Bad_NS', 'dns1123-label')).toBe('bad-ns');
    expect(suggestName('_x_', 'dns1123-label')).toBe('x');
    expect(suggestName('___', 'dns1123-label')).toBeUndefined();
    expect(suggestName('9svc', 'dns1035-label')).toBe('svc');
    // Cut to 63 characters, then trimmed again: the cut may end in dashes.
    expect(suggestName(`Spark-${'-'.repeat(100)}-job`, 'dns1123-label')).toBe('spark');
    expect(suggestName(`x${'.'.repeat(300)}y`, 'dns1123-subdomain')).toBe('x');
  });

  // Trimmed by a pattern tried from every dash, this name took 31 s.
  it('a name of 200,000 dashes between two letters', { timeout: 10_000 }, () => {
    expect(suggestName(`A${'-'.repeat(200_000)}B`, 'dns1123-label')).toBe('a');
  });
});

describe('the invalid-name rule', () => {
  it('reports metadata.name and metadata.namespace with the fix', () => {
    const ds = run(sparkApp({ metadata: { name: 'Word_Count', namespace: 'Bad_NS' } }), {}, nameRule);
    expect(ds).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'invalid-name',
        path: 'metadata.name',
        message: expect.stringContaining('SparkApplication name "Word_Count"'),
        hint: 'rename it, e.g. word-count',
      }),
      expect.objectContaining({ path: 'metadata.namespace', hint: 'rename it, e.g. bad-ns' }),
    ]);
  });

  it('accepts valid names, Role names with colons, and leaves missing names to object-identity', () => {
    expect(run(sparkApp(), {}, nameRule)).toEqual([]);
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'system:x' } };
    expect(run(role, {}, nameRule)).toEqual([]);
    expect(run({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }, {}, nameRule)).toEqual([]);
  });

  it('is an error in validate, at the line of the field', async () => {
    const yaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ok
---
apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: Word_Count
  namespace: analytics
`;
    const result = await runCli(['validate', '-f', '-', '-o', 'json'], { stdin: yaml });
    expect(result.code).toBe(1);
    const found = JSON.parse(result.stdout).diagnostics.filter((d: { code: string }) => d.code === 'invalid-name');
    expect(found).toEqual([
      expect.objectContaining({ file: '<stdin>', line: 9, column: 9, path: 'metadata.name', severity: 'error' }),
    ]);
  });
});
