import { describe, expect, it } from 'vitest';
import { schemaRule } from '../../../policies/rules/schema.js';
import { coreLimitRule, sparkImageRule } from '../../../policies/rules/spark.js';
import { run, sparkApp } from './helpers.js';

describe('core-limit-below-cores', () => {
  it('fires when coreLimit is below cores or coreRequest', () => {
    expect(run(sparkApp({ spec: { executor: { cores: 2, coreLimit: '1500m' } } }), {}, coreLimitRule)).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'core-limit-below-cores',
        path: 'spec.executor.coreLimit',
        hint: expect.stringContaining('"2000m"'),
      }),
    ]);
    expect(
      run(sparkApp({ spec: { driver: { coreRequest: '2', coreLimit: '1' } } }), {}, coreLimitRule).map((d) => d.path),
    ).toEqual(['spec.driver.coreLimit']);
  });

  it('stays quiet when the limit covers the request', () => {
    expect(run(sparkApp({ spec: { executor: { cores: 2, coreLimit: '2' } } }), {}, coreLimitRule)).toEqual([]);
    expect(run(sparkApp(), {}, coreLimitRule)).toEqual([]);
  });
});

describe('spark-image-missing', () => {
  it('fires when neither spec.image nor the role image is set', () => {
    const app = sparkApp({ spec: { image: undefined, driver: { image: 'apache/spark:3.5.1' } } });
    delete app.spec.image;
    expect(run(app, {}, sparkImageRule).map((d) => d.path)).toEqual(['spec.executor']);
    expect(run(sparkApp(), {}, sparkImageRule)).toEqual([]);
  });
});

describe('SparkApplication schema', () => {
  it('requires type, sparkVersion, mainApplicationFile, driver and executor', () => {
    const app = sparkApp();
    for (const f of ['type', 'sparkVersion', 'mainApplicationFile', 'driver', 'executor']) delete app.spec[f];
    expect(run(app, {}, schemaRule).map((d) => `${d.code} ${d.path}`)).toEqual(
      ['type', 'sparkVersion', 'mainApplicationFile', 'driver', 'executor'].map((f) => `schema-required spec.${f}`),
    );
  });

  it('checks enums with did-you-mean, and driver/executor basics', () => {
    const app = sparkApp({
      spec: { type: 'scala', mode: 'local', executor: { instances: 0, memory: '4 GB' }, driver: { memroy: '1g' } },
    });
    const found = run(app, {}, schemaRule);
    expect(found).toContainEqual(
      expect.objectContaining({ code: 'schema-enum', path: 'spec.type', hint: 'did you mean "Scala"?' }),
    );
    expect(found).toContainEqual(expect.objectContaining({ code: 'schema-enum', path: 'spec.mode' }));
    expect(found).toContainEqual(expect.objectContaining({ code: 'schema-minimum', path: 'spec.executor.instances' }));
    expect(found).toContainEqual(
      expect.objectContaining({
        code: 'schema-pattern',
        path: 'spec.executor.memory',
        hint: expect.stringContaining('512m'),
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ severity: 'error', path: 'spec.driver.memroy', hint: 'did you mean "memory"?' }),
    );
  });

  it('wants strings in sparkConf and a quoted sparkVersion', () => {
    const found = run(
      sparkApp({ spec: { sparkVersion: 3.5, sparkConf: { 'spark.executor.cores': 2 } } }),
      {},
      schemaRule,
    );
    expect(found.map((d) => d.path).sort()).toEqual(['spec.sparkConf["spark.executor.cores"]', 'spec.sparkVersion']);
    for (const d of found) expect(d.hint).toContain('quote');
  });

  it('accepts a complete application', () => {
    expect(run(sparkApp(), {}, schemaRule)).toEqual([]);
  });
});
