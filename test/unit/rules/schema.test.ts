import { describe, expect, it } from 'vitest';
import { schemaRule } from '../../../policies/rules/schema.js';
import { alluxioRuntime, dataset, hpa, pod, run, starRocksCluster } from './helpers.js';

describe('resource schemas', () => {
  it('suggests the right StarRocks field and warns on unknown ones', () => {
    const sr = starRocksCluster({ replica: 3, fooBarBaz: true });
    const found = run(sr, {}, schemaRule);
    expect(found).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        path: 'spec.starRocksCnSpec.replica',
        hint: 'did you mean "replicas"?',
      }),
    );
    expect(found).toContainEqual(
      expect.objectContaining({ severity: 'warning', path: 'spec.starRocksCnSpec.fooBarBaz' }),
    );
    const misspelt = { ...starRocksCluster(), spec: { starRocksCNSpec: {} } };
    expect(run(misspelt, {}, schemaRule)[0]?.hint).toBe('did you mean "starRocksCnSpec"?');
  });

  it('checks autoScalingPolicy versions and the legacy ComputeNodeGroup required fields', () => {
    expect(
      run(starRocksCluster({ autoScalingPolicy: { version: 'v3', maxReplicas: 2 } }), {}, schemaRule).map(
        (d) => d.code,
      ),
    ).toEqual(['schema-enum']);
    const cng = {
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      metadata: { name: 'cn' },
      spec: { feInfo: { addresses: [] } },
    };
    expect(run(cng, {}, schemaRule).map((d) => d.path)).toEqual([
      'spec.cnInfo',
      'spec.images',
      'spec.replicas',
      'spec.feInfo.accountSecret',
      'spec.feInfo.addresses',
    ]);
  });

  it('checks HPAs, Fluid resources and pods', () => {
    expect(
      run(hpa('autoscaling/v2', { scaleTargetRef: undefined, maxReplicas: 0 }), {}, schemaRule).map((d) => d.path),
    ).toEqual(['spec.scaleTargetRef', 'spec.maxReplicas']);
    expect(
      run(alluxioRuntime({ properties: { 'alluxio.user.block.size.bytes.default': 16 } }), {}, schemaRule)[0]?.hint,
    ).toContain('quote');
    expect(run({ ...dataset(), spec: { mounts: [{ mountPoint: 's3' }] } }, {}, schemaRule).map((d) => d.code)).toEqual([
      'schema-minLength',
    ]);
    const p = pod({ spec: { nodeSelector: { alluxio: true } } });
    p.spec.containers[0].volumeMount = [];
    expect(run(p, {}, schemaRule).map((d) => d.path)).toEqual([
      'spec.containers[0].volumeMount',
      'spec.nodeSelector.alluxio',
    ]);
  });

  it('checks the pod template of every workload kind at its own apiVersion, ReplicationController included', () => {
    const kinds: [string, string][] = [
      ['apps/v1', 'Deployment'],
      ['apps/v1', 'StatefulSet'],
      ['apps/v1', 'DaemonSet'],
      ['apps/v1', 'ReplicaSet'],
      ['batch/v1', 'Job'],
      ['v1', 'ReplicationController'],
    ];
    for (const [apiVersion, kind] of kinds) {
      const template = pod();
      template.spec.containers[0].volumeMount = [];
      const workload = { apiVersion, kind, metadata: { name: 'w' }, spec: { template } };
      expect(run(workload, {}, schemaRule).map((d) => `${kind} ${d.path}`)).toEqual([
        `${kind} spec.template.spec.containers[0].volumeMount`,
      ]);
    }
  });

  it('accepts the valid objects', () => {
    expect(run([starRocksCluster(), hpa(), alluxioRuntime(), dataset(), pod()], {}, schemaRule)).toEqual([]);
  });
});
