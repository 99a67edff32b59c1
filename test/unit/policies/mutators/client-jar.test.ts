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

  it('a container already named like the init container: nothing is added that would depend on it', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers.push({ name: 'graphdata-alluxio-client', image: 'busybox:1.36' });
    const { actions, pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor'));
    expect(actions).toEqual([
      expect.objectContaining({
        outcome: 'conflict',
        subject: 'initContainer graphdata-alluxio-client',
        path: 'spec.containers[1]',
      }),
    ]);
    expect(out.spec!.initContainers).toBeUndefined();
    expect(out.spec!.volumes!.map((v) => v.name)).toEqual(['spark-local-dir-1']);
    expect(out.spec!.containers[0]!.volumeMounts!.map((m) => m.name)).toEqual(['spark-local-dir-1']);
  });

  it('SPARK_EXTRA_CLASSPATH from valueFrom: that container gets neither mount nor classpath', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env!.push({
      name: 'SPARK_EXTRA_CLASSPATH',
      valueFrom: { configMapKeyRef: { name: 'cp', key: 'cp' } },
    });
    const { actions, pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor'));
    expect(actions.filter((a) => a.outcome === 'conflict')).toEqual([
      expect.objectContaining({
        subject: 'env SPARK_EXTRA_CLASSPATH in spark-kubernetes-executor',
        path: 'spec.containers[0].env[4]',
      }),
    ]);
    expect(out.spec!.containers[0]!.volumeMounts!.map((m) => m.name)).toEqual(['spark-local-dir-1']);
  });

  it('gives GraphScope engines no jar', () => {
    const pod = graphscopeEnginePod();
    const { actions, pod: out } = clientJar.apply(pod, contextFor(pod, 'graphscope-engine'));
    expect(actions).toEqual([expect.objectContaining({ outcome: 'skipped' })]);
    expect(out.spec!.initContainers).toBeUndefined();
  });
});
