import { describe, expect, it } from 'vitest';
import { requestAboveLimitRule } from '../../../policies/rules/resources.js';
import { pod, run, starRocksCluster } from './helpers.js';

describe('request-above-limit', () => {
  it('fires on containers and StarRocks CN specs asking for more than their limit', () => {
    const p = pod();
    p.spec.containers[0].resources = { requests: { cpu: '2', memory: '2Gi' }, limits: { cpu: '1500m', memory: '1Gi' } };
    expect(run(p, {}, requestAboveLimitRule).map((d) => d.path)).toEqual([
      'spec.containers[0].resources.requests.cpu',
      'spec.containers[0].resources.requests.memory',
    ]);
    expect(
      run(starRocksCluster({ requests: { memory: '16Gi' }, limits: { memory: '8Gi' } }), {}, requestAboveLimitRule).map(
        (d) => d.path,
      ),
    ).toEqual(['spec.starRocksCnSpec.requests.memory']);
  });

  it('stays quiet when requests fit', () => {
    expect(run([pod(), starRocksCluster()], {}, requestAboveLimitRule)).toEqual([]);
  });
});
