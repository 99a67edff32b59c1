import { describe, expect, it } from 'vitest';
import { clientJar } from '../../../../policies/mutators/client-jar.js';
import { graphscopeEnginePod, sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';
import { contextFor } from './context.js';

describe('client-jar mutator', () => {
  it('copies the versioned jar with an init container using the policy image (mirrored)', () => {
    const spec = policyWith({
      alluxio: { version: '2.9.5', image: 'alluxio/alluxio:2.9.5' },
      images: { mirrors: [{ from: 'docker.io', to: 'mirror.local' }] },
    }).spec;
    const pod = sparkExecutorPod();
    const { pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor', spec));
    const init = out.spec!.initContainers![0]!;
    expect(init.image).toBe('mirror.local/alluxio/alluxio:2.9.5');
    expect(init.command).toEqual([
      'cp',
      '/opt/alluxio/client/alluxio-2.9.5-client.jar',
      '/graphdata/client/alluxio-2.9.5-client.jar',
    ]);
    expect(init.resources?.limits).toBeDefined();
  });

  it('appends to an existing SPARK_EXTRA_CLASSPATH instead of replacing it', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env!.push({ name: 'SPARK_EXTRA_CLASSPATH', value: '/opt/extra/a.jar' });
    const { pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor'));
    expect(out.spec!.containers[0]!.env!.find((e) => e.name === 'SPARK_EXTRA_CLASSPATH')!.value).toBe(
      '/opt/extra/a.jar:/opt/graphdata/alluxio-client/alluxio-2.9.4-client.jar',
    );
  });

  it('reports a conflict when SPARK_EXTRA_CLASSPATH comes from valueFrom, and when a container already uses the init name', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env!.push({
      name: 'SPARK_EXTRA_CLASSPATH',
      valueFrom: { configMapKeyRef: { name: 'cp', key: 'cp' } },
    });
    pod.spec!.containers.push({ name: 'graphdata-alluxio-client', image: 'busybox:1.36' });
    const { actions, pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor'));
    expect(actions.filter((a) => a.outcome === 'conflict').map((a) => a.subject)).toEqual([
      'initContainer graphdata-alluxio-client',
      'env SPARK_EXTRA_CLASSPATH in spark-kubernetes-executor',
    ]);
    expect(out.spec!.initContainers ?? []).toHaveLength(0);
  });

  it('gives GraphScope engines no jar', () => {
    const pod = graphscopeEnginePod();
    const { actions, pod: out } = clientJar.apply(pod, contextFor(pod, 'graphscope-engine'));
    expect(actions).toEqual([expect.objectContaining({ outcome: 'skipped' })]);
    expect(out.spec!.initContainers).toBeUndefined();
  });
});
