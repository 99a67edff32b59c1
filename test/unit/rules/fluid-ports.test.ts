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
    // The hint offers what exists: Fluid's PVC, a pinned port, or Fluid mode, which fills in the runtime's master.
    expect(ds[0]).toMatchObject({
      severity: 'error',
      hint: "mount the dataset's PVC (claimName: logs) and read its files there, or pin the runtime's port with AlluxioRuntime spec.master.ports.rpc: 19998, or use a cache: fluid policy and annotate the pod with graphdata.io/dataset: logs so graphdata sets the runtime's master",
    });
    const [fluidMode] = run([dataset(), fixedPort()], { cache: 'fluid' }, fluidPortRule);
    expect(fluidMode!.hint).toBe(
      "drop the hard-coded address and annotate the pod with graphdata.io/dataset: NAME: graphdata then sets the master to that AlluxioRuntime's (NAME-master-0.<namespace> and the port Fluid reports); or pin the runtime's port with AlluxioRuntime spec.master.ports.rpc: 19998",
    );
  });

  it("stays quiet on a URL of the policy's own Alluxio master, unless the policy itself is in Fluid mode", () => {
    const shared = sparkApp({ spec: { arguments: ['alluxio://alluxio-master-0.alluxio:19998/input/words.txt'] } });
    expect(run([dataset(), shared], {}, fluidPortRule)).toEqual([]);
    // The policy's HA addresses count the same way; a different host next to them does not.
    const ha = { alluxio: { master: { addresses: ['m-0.alluxio:19998', 'm-1.alluxio:19998'] } } };
    const both = sparkApp({
      spec: { arguments: ['alluxio://m-1.alluxio:19998/a', 'alluxio://logs-master-0.x:19998/b'] },
    });
    expect(run([dataset(), both], ha, fluidPortRule).map((d) => d.path)).toEqual(['spec.arguments[1]']);
    expect(run([dataset(), shared], { cache: 'fluid' }, fluidPortRule)).toHaveLength(1);
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
