import { describe, expect, it } from 'vitest';
import { fluidPortRule } from '../../../policies/rules/fluid-ports.js';
import { alluxioRuntime, dataset, pod, run, sparkApp } from './helpers.js';

const fixedPort = () =>
  sparkApp({
    spec: {
      arguments: ['alluxio://logs-master-0.analytics:19998/logs'],
      sparkConf: { 'spark.hadoop.alluxio.master.rpc.port': '19998' },
    },
  });

describe('fluid-fixed-port', () => {
  it('fires next to a Fluid Dataset in the same namespace', () => {
    const ds = run([dataset(), fixedPort()], {}, fluidPortRule);
    expect(ds.map((d) => d.path)).toEqual([
      'spec.arguments[0]',
      'spec.sparkConf["spark.hadoop.alluxio.master.rpc.port"]',
    ]);
    expect(ds[0]).toMatchObject({ severity: 'error', hint: expect.stringContaining('inject') });
  });

  it('fires when the policy cache mode is fluid, also on -D options in pods', () => {
    const p = pod();
    p.spec.containers[0].env = [{ name: 'JAVA_TOOL_OPTIONS', value: '-Dalluxio.master.rpc.port=19998' }];
    expect(run(p, { cache: 'fluid' }, fluidPortRule)).toHaveLength(1);
  });

  it('stays quiet without Fluid, in another namespace, or when the runtime pins 19998', () => {
    expect(run(fixedPort(), {}, fluidPortRule)).toEqual([]);
    expect(
      run([{ ...dataset(), metadata: { name: 'logs', namespace: 'other' } }, fixedPort()], {}, fluidPortRule),
    ).toEqual([]);
    expect(run([alluxioRuntime({ master: { ports: { rpc: 19998 } } }), fixedPort()], {}, fluidPortRule)).toEqual([]);
  });
});
