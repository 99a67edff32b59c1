import { describe, expect, it } from 'vitest';
import { minAboveMaxRule, removedApiRule } from '../../../policies/rules/autoscaling.js';
import { hpa, run, sparkApp, starRocksCluster } from './helpers.js';

describe('min-replicas-above-max', () => {
  it('fires on HPAs, StarRocks autoScalingPolicy and Spark dynamic allocation', () => {
    expect(run(hpa('autoscaling/v2', { minReplicas: 6, maxReplicas: 3 }), {}, minAboveMaxRule)).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'min-replicas-above-max',
        path: 'spec.minReplicas',
        hint: expect.stringContaining('at most 3'),
      }),
    ]);
    const sr = starRocksCluster({ autoScalingPolicy: { version: 'v2', minReplicas: 10, maxReplicas: 2 } });
    expect(run(sr, {}, minAboveMaxRule).map((d) => d.path)).toEqual([
      'spec.starRocksCnSpec.autoScalingPolicy.minReplicas',
    ]);
    const app = sparkApp({ spec: { dynamicAllocation: { enabled: true, minExecutors: 4, maxExecutors: 2 } } });
    expect(run(app, {}, minAboveMaxRule).map((d) => d.path)).toEqual(['spec.dynamicAllocation.minExecutors']);
  });

  it('stays quiet when min <= max', () => {
    expect(
      run(
        [hpa(), starRocksCluster({ autoScalingPolicy: { version: 'v2', minReplicas: 1, maxReplicas: 1 } })],
        {},
        minAboveMaxRule,
      ),
    ).toEqual([]);
  });
});

describe('removed-api', () => {
  it('fires on autoscaling/v2beta2 HPAs', () => {
    expect(run(hpa('autoscaling/v2beta2'), {}, removedApiRule)).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'removed-api',
        path: 'apiVersion',
        hint: expect.stringContaining('autoscaling/v2'),
      }),
    ]);
  });

  it('fires on StarRocks autoScalingPolicy version v2beta2 and on the legacy ComputeNodeGroup autoscaler', () => {
    const sr = starRocksCluster({ autoScalingPolicy: { version: 'v2beta2', maxReplicas: 4 } });
    expect(run(sr, {}, removedApiRule)).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: 'spec.starRocksCnSpec.autoScalingPolicy.version',
        hint: 'set version: v2',
      }),
    ]);
    const cng = {
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      metadata: { name: 'cn' },
      spec: { autoScalingPolicy: { maxReplicas: 4 } },
    };
    expect(run(cng, {}, removedApiRule)).toEqual([
      expect.objectContaining({ severity: 'error', path: 'spec.autoScalingPolicy' }),
    ]);
  });

  it('only notes an autoScalingPolicy without version, and is quiet on v2', () => {
    expect(
      run(starRocksCluster({ autoScalingPolicy: { maxReplicas: 4 } }), {}, removedApiRule).map((d) => d.severity),
    ).toEqual(['info']);
    expect(
      run([hpa(), starRocksCluster({ autoScalingPolicy: { version: 'v2', maxReplicas: 4 } })], {}, removedApiRule),
    ).toEqual([]);
  });

  it('knows other removed APIs', () => {
    const cron = { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'c' }, spec: {} };
    expect(run(cron, {}, removedApiRule)[0]?.hint).toContain('batch/v1');
  });
});
