import { describe, expect, it } from 'vitest';
import { domainSocket } from '../../../../policies/mutators/domain-socket.js';
import { graphscopeEnginePod, sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';
import { contextFor } from './context.js';

describe('domain-socket mutator', () => {
  it('mounts the worker socket dir from the policy read-only', () => {
    const spec = policyWith({
      alluxio: { domainSocket: { hostPath: '/mnt/alluxio/socket', mountPath: '/opt/alluxio-socket' } },
    }).spec;
    const pod = sparkExecutorPod();
    const { pod: out } = domainSocket.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(out.spec!.volumes).toContainEqual({
      name: 'graphdata-alluxio-domain',
      hostPath: { path: '/mnt/alluxio/socket', type: 'Directory' },
    });
    expect(out.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-domain',
      mountPath: '/opt/alluxio-socket',
      readOnly: true,
    });
  });

  it('does not mount over a path the container already uses for something else', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.volumeMounts!.push({ name: 'spark-local-dir-1', mountPath: '/opt/domain' });
    const { pod: out, actions } = domainSocket.apply(pod, contextFor(pod, 'spark-executor'));
    expect(out.spec!.containers[0]!.volumeMounts!.filter((m) => m.mountPath === '/opt/domain')).toHaveLength(1);
    expect(actions).toContainEqual(
      expect.objectContaining({ outcome: 'conflict', path: 'spec.containers[0].volumeMounts' }),
    );
  });

  it('mounts only into target containers', () => {
    const pod = graphscopeEnginePod();
    const { pod: out } = domainSocket.apply(pod, contextFor(pod, 'graphscope-engine'));
    expect(out.spec!.containers.map((c) => Boolean(c.volumeMounts?.length))).toEqual([true, false, false]);
  });
});
