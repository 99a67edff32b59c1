import { describe, expect, it } from 'vitest';
import { joinPath, splitPath } from '../../../policies/diagnostics.js';
import { RULES } from '../../../policies/rules/index.js';
import { parseCpu, parseK8sMemory, parseLimitMemory, parseSparkMemory } from '../../../policies/rules/quantity.js';
import { codes, pod, run, sparkApp } from './helpers.js';

describe('checkObjects', () => {
  it('has unique rule codes, each with a description', () => {
    expect(new Set(RULES.map((r) => r.code)).size).toBe(RULES.length);
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(10);
  });

  it('is quiet on good objects under the default policy', () => {
    expect(run([sparkApp(), pod()])).toEqual([]);
  });

  it('checks List items with item paths', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [pod(), sparkApp({ spec: { type: 'scala' } })] };
    expect(run(list).map((d) => d.path)).toEqual(['items[1].spec.type']);
  });

  it('requires apiVersion, kind and a name', () => {
    expect(codes(run({ metadata: {} }))).toEqual(['object-identity', 'object-identity', 'object-identity']);
  });

  it('applies the profile a pod names', () => {
    const p = pod({
      metadata: { annotations: { 'graphdata.io/profile': 'off-cache' } },
      spec: { nodeSelector: { alluxio: 'false' } },
    });
    expect(codes(run(p))).toEqual(['executor-off-cache-nodes']);
    expect(run(p, {}, undefined, { 'off-cache': { placement: { mode: 'none' } } })).toEqual([]);
  });

  it('reports every finding with a hint', () => {
    const bad = sparkApp({
      spec: { type: 'scala', image: 'xxx:xxx', executor: { coreLimit: '1', nodeSelector: { alluxio: 'no' } } },
    });
    const found = run(bad);
    expect(found.length).toBeGreaterThanOrEqual(4);
    for (const d of found) expect(d.hint, d.code).toBeTruthy();
  });
});

describe('paths', () => {
  it.each([
    ['spec.containers[0].env[2].value'],
    ['spec.sparkConf["spark.executor.extraJavaOptions"]'],
    ['metadata.labels["app.kubernetes.io/name"]'],
    ['items[1].spec'],
  ])('round-trips %s', (path) => expect(joinPath(splitPath(path))).toBe(path));

  it('reads apiserver field paths with bare map keys', () => {
    expect(splitPath('spec.nodeSelector[alluxio]')).toEqual(['spec', 'nodeSelector', 'alluxio']);
  });
});

describe('quantities', () => {
  it('parses the notations tenants mix', () => {
    expect(parseCpu('1500m')).toBe(1.5);
    expect(parseCpu(2)).toBe(2);
    expect(parseK8sMemory('1Gi')).toBe(2 ** 30);
    expect(parseK8sMemory('1G')).toBe(1e9);
    expect(parseSparkMemory('512m')).toBe(512 * 2 ** 20);
    expect(parseSparkMemory('4g')).toBe(4 * 2 ** 30);
    expect(parseLimitMemory('8g')).toBe(8 * 2 ** 30);
    expect(parseLimitMemory('8Gi')).toBe(8 * 2 ** 30);
  });
});
