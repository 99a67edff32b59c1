// Escape: an unanchored pattern let `alluxio.version: "2.9.4/../../x"` through. Every
// pattern in the policy schema and the CRDs built from it must match whole values.
import { describe, expect, it } from 'vitest';
import { policyCrd } from '../../policies/policy-crds.js';
import { policyFromObject } from '../../policies/policy-loader.js';
import { namespacePolicySpecSchema, policySpecSchema } from '../../policies/policy-schema.js';

/** Every `pattern` string in a schema (not a property named "pattern"), with where it is. */
function patterns(schema: unknown, at = '#'): [string, string][] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => patterns(s, `${at}/${i}`));
  if (typeof schema !== 'object' || schema === null) return [];
  return Object.entries(schema).flatMap(([k, v]): [string, string][] => {
    if (k === 'pattern' && typeof v === 'string') return [[at, v]];
    // CEL rules carry patterns too (matches(r'…')).
    if (k === 'rule' && typeof v === 'string')
      return [...v.matchAll(/matches\(r'([^']*)'\)/g)].map((m): [string, string] => [`${at}/rule`, m[1]!]);
    return patterns(v, `${at}/${k}`);
  });
}

const anchored = (p: string) => p.startsWith('^') && p.endsWith('$') && !p.endsWith('\\$');

describe('policy patterns are anchored at both ends', () => {
  const schemas: [string, unknown][] = [
    ['policySpecSchema', policySpecSchema],
    ['namespacePolicySpecSchema', namespacePolicySpecSchema],
    ['ClusterGraphDataPolicy CRD', policyCrd('ClusterGraphDataPolicy')],
    ['GraphDataPolicy CRD', policyCrd('GraphDataPolicy')],
  ];
  for (const [name, schema] of schemas) {
    it(name, () => {
      const found = patterns(schema);
      expect(found.length).toBeGreaterThan(5);
      expect(found.filter(([, p]) => !anchored(p))).toEqual([]);
    });
  }

  it('a version with a path after it, and a property key that adds JVM options, are rejected', () => {
    const load = (alluxio: object) =>
      policyFromObject({
        apiVersion: 'graphdata.io/v1alpha1',
        kind: 'ClusterGraphDataPolicy',
        metadata: { name: 'c' },
        spec: { alluxio },
      });
    expect(load({ version: '2.9.4/../../x' }).diagnostics.map((d) => d.path)).toEqual(['spec.alluxio.version']);
    expect(load({ properties: { 'alluxio.x=1 -javaagent:/tmp/a.jar -Dalluxio.y': 'z' } }).policy).toBeUndefined();
    expect(
      load({ version: '2.9.4', properties: { 'alluxio.user.file.readtype.default': 'CACHE' } }).policy,
    ).toBeDefined();
    expect(load({ version: '2.10.0-rc1' }).policy).toBeDefined();
  });
});
