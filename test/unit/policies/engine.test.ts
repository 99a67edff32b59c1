import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import { readInjectedAnnotation } from '../../../policies/injected-annotation.js';
import type { Container, Pod } from '../../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../../policies/model.js';
import {
  graphscopeEnginePod,
  legacyComputeNodePod,
  sparkDriverPod,
  sparkExecutorPod,
  starrocksCnPod,
} from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';

const container = (pod: Pod, name: string): Container => pod.spec!.containers.find((c) => c.name === name)!;
const env = (c: Container, name: string) => c.env?.find((e) => e.name === name);

describe('engine: workloads', () => {
  const policy = defaultPolicy();

  it('injects jar, config, socket and placement into a Spark executor', () => {
    const r = inject(sparkExecutorPod(), policy, { namespace: 'tenant-a' });
    expect(r.status).toBe('injected');
    expect(r.workload).toBe('spark-executor');
    expect(r.targets).toEqual(['spark-kubernetes-executor']);
    const c = container(r.pod, 'spark-kubernetes-executor');
    expect(env(c, 'SPARK_EXTRA_CLASSPATH')?.value).toBe('/opt/graphdata/alluxio-client/alluxio-2.9.4-client.jar');
    const opts = env(c, 'JAVA_TOOL_OPTIONS')!.value!;
    expect(opts).toContain('-Dalluxio.master.hostname=alluxio-master-0.alluxio');
    expect(opts).toContain('-Dalluxio.master.rpc.port=19998');
    expect(opts).toContain('-Dalluxio.user.short.circuit.enabled=true');
    expect(opts).toContain('-Dalluxio.user.hostname=$(ALLUXIO_CLIENT_HOSTNAME)');
    expect(env(c, 'ALLUXIO_CLIENT_HOSTNAME')?.valueFrom?.fieldRef?.fieldPath).toBe('status.hostIP');
    expect(r.pod.spec!.volumes).toContainEqual({
      name: 'graphdata-alluxio-domain',
      hostPath: { path: '/tmp/alluxio-domain', type: 'Directory' },
    });
    expect(c.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-domain',
      mountPath: '/opt/domain',
      readOnly: true,
    });
    expect(r.pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
    const init = r.pod.spec!.initContainers!.find((i) => i.name === 'graphdata-alluxio-client')!;
    expect(init.image).toBe('alluxio/alluxio:2.9.4');
    expect(init.command).toEqual([
      'cp',
      '/opt/alluxio/client/alluxio-2.9.4-client.jar',
      '/graphdata/client/alluxio-2.9.4-client.jar',
    ]);
    expect(readInjectedAnnotation(r.pod)).toMatchObject({
      policy: 'ClusterGraphDataPolicy/default',
      generation: 1,
      workload: 'spark-executor',
    });
    expect(r.diagnostics).toEqual([]);
  });

  it('gives a Spark driver the jar and config but no socket or placement', () => {
    const r = inject(sparkDriverPod(), policy);
    const c = container(r.pod, 'spark-kubernetes-driver');
    expect(env(c, 'SPARK_EXTRA_CLASSPATH')).toBeDefined();
    expect(env(c, 'JAVA_TOOL_OPTIONS')?.value).not.toContain('domain.socket');
    expect(r.pod.spec!.volumes?.some((v) => v.hostPath)).toBeFalsy();
    expect(r.pod.spec!.nodeSelector).toBeUndefined();
  });

  it.each([
    ['operator v1', starrocksCnPod, 'cn'],
    ['legacy ComputeNodeGroup', legacyComputeNodePod, 'cn-container'],
  ])('mounts the jar as one file in the CN hdfs lib dir (%s)', (_, make, name) => {
    const r = inject(make(), policy);
    expect(r.workload).toBe('starrocks-cn');
    const c = container(r.pod, name);
    expect(c.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-client',
      mountPath: '/opt/starrocks/cn/lib/hadoop/hdfs/alluxio-2.9.4-client.jar',
      subPath: 'alluxio-2.9.4-client.jar',
      readOnly: true,
    });
    // The directory itself is never mounted over: the bundled hadoop jars stay visible.
    expect(c.volumeMounts!.some((m) => m.mountPath === '/opt/starrocks/cn/lib/hadoop/hdfs')).toBe(false);
    expect(env(c, 'SPARK_EXTRA_CLASSPATH')).toBeUndefined();
  });

  it('injects a GraphScope engine but never its vineyard or dataset sidecars, and no jar', () => {
    const r = inject(graphscopeEnginePod(), policy);
    expect(r.targets).toEqual(['engine']);
    expect(container(r.pod, 'engine').volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: '/opt/domain' }),
    );
    for (const sidecar of ['vineyard', 'dataset']) {
      expect(container(r.pod, sidecar).volumeMounts).toBeUndefined();
      expect(container(r.pod, sidecar).env).toBeUndefined();
    }
    expect(r.pod.spec!.initContainers).toBeUndefined();
  });

  it('never guesses a container: no target means no change and a warning', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.name = 'main';
    const r = inject(pod, policy);
    expect(r.status).toBe('no-target-container');
    expect(r.changed).toBe(false);
    expect(r.pod).toBe(pod);
    expect(r.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'no-target-container' });
    expect(r.diagnostics[0]!.message).toContain('it has: main');
  });

  it('leaves unrelated and opted-out pods alone', () => {
    const plain: Pod = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx' }] },
    };
    expect(inject(plain, policy)).toMatchObject({ status: 'not-a-workload', changed: false });
    const optedOut = sparkExecutorPod();
    optedOut.metadata!.labels!['graphdata.io/inject'] = 'false';
    expect(inject(optedOut, policy)).toMatchObject({ status: 'opted-out', changed: false });
  });

  it('applies a named profile and warns about an unknown one', () => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { 'graphdata.io/profile': 'prefer-cache-nodes' };
    const r = inject(pod, policy);
    expect(r.profile).toBe('prefer-cache-nodes');
    expect(r.pod.spec!.nodeSelector).toBeUndefined();
    expect(r.pod.spec!.affinity!.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution).toEqual([
      { weight: 50, preference: { matchExpressions: [{ key: 'alluxio', operator: 'In', values: ['true'] }] } },
    ]);
    pod.metadata!.annotations = { 'graphdata.io/profile': 'prefer-cache-node' };
    const unknown = inject(pod, policy);
    expect(unknown.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'unknown-profile', hint: 'use one of: prefer-cache-nodes' }),
    );
    expect(unknown.pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
  });

  it('never skips because of a graphdata.io/injected annotation: anyone can write one', () => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { [ANNOTATION_INJECTED]: 'not json' };
    expect(inject(pod, policy)).toMatchObject({ status: 'injected', changed: true });
  });

  it('writes the injected record exactly as JSON.stringify writes it, per policy object and workload', () => {
    // The part fixed by policy and workload is written once per policy object: a second
    // policy object (another generation, a name that needs escaping) gets its own.
    const other = {
      ...policy,
      name: 'odd"name\\',
      namespace: 'team-a',
      kind: 'GraphDataPolicy' as const,
      generation: 7,
    };
    for (const p of [policy, other, policy]) {
      const pod = sparkExecutorPod();
      pod.metadata!.annotations = { 'graphdata.io/profile': 'prefer-cache-nodes' };
      pod.spec!.containers.push({ ...pod.spec!.containers[0]!, name: 'executor' });
      const r = inject(pod, p);
      const expected = {
        policy: `${p.kind}/${p.namespace ? `${p.namespace}/` : ''}${p.name}`,
        generation: p.generation,
        workload: 'spark-executor',
        containers: ['spark-kubernetes-executor', 'executor'],
        mutators: ['client-jar', 'client-config', 'domain-socket', 'placement', 'images'],
        profile: 'prefer-cache-nodes',
      };
      expect(r.pod.metadata!.annotations![ANNOTATION_INJECTED]).toBe(JSON.stringify(expected));
      expect(r.policy).toBe(expected.policy);
      const driver = inject(sparkDriverPod(), p);
      expect(driver.pod.metadata!.annotations![ANNOTATION_INJECTED]).toBe(
        JSON.stringify({
          policy: expected.policy,
          generation: p.generation,
          workload: 'spark-driver',
          containers: ['spark-kubernetes-driver'],
          mutators: ['client-jar', 'client-config', 'images'],
        }),
      );
    }
  });
});
