// alluxio.clientJar.delivery: the jar copied by an init container or mounted from an
// image volume; each recognised by content, so a second pass and the safety net accept
// either, and native sidecars are never taken for our init container.
import { describe, expect, it } from 'vitest';
import { inject } from '../../../../policies/engine.js';
import { checkInjected } from '../../../../policies/injection-check.js';
import type { Pod } from '../../../../policies/k8s.js';
import { clientJar } from '../../../../policies/mutators/client-jar.js';
import { nativeSidecarExecutorPod, sparkExecutorPod, starrocksCnPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';
import { contextFor } from './context.js';

const imageVolumePolicy = (extra: Record<string, unknown> = {}) =>
  policyWith({ ...extra, alluxio: { clientJar: { delivery: 'imageVolume' }, ...(extra.alluxio ?? {}) } });
const initPolicy = () => policyWith({});

describe('client jar as an image volume', () => {
  it('mounts the (mirrored) Alluxio image in a Spark executor: no init container, no emptyDir', () => {
    const spec = imageVolumePolicy({ images: { mirrors: [{ from: 'docker.io', to: 'mirror.local' }] } }).spec;
    const pod = sparkExecutorPod();
    const { pod: out, actions } = clientJar.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(out.spec!.initContainers).toBeUndefined();
    expect(out.spec!.volumes).toContainEqual({
      name: 'graphdata-alluxio-client',
      image: { reference: 'mirror.local/alluxio/alluxio:2.9.4' },
    });
    expect(out.spec!.volumes!.some((v) => v.emptyDir && v.name === 'graphdata-alluxio-client')).toBe(false);
    expect(out.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-client',
      mountPath: '/opt/graphdata/alluxio-client',
      subPath: 'opt/alluxio/client',
      readOnly: true,
    });
    expect(actions.map((a) => a.subject)).not.toContain('initContainer graphdata-alluxio-client');
  });

  it('mounts only the jar file into the CN hadoop lib directory', () => {
    const pod = starrocksCnPod();
    const { pod: out } = clientJar.apply(pod, contextFor(pod, 'starrocks-cn', imageVolumePolicy().spec));
    expect(out.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-client',
      mountPath: '/opt/starrocks/cn/lib/hadoop/hdfs/alluxio-2.9.4-client.jar',
      subPath: 'opt/alluxio/client/alluxio-2.9.4-client.jar',
      readOnly: true,
    });
  });

  it('carries the policy pull policy to the image volume', () => {
    const spec = imageVolumePolicy({ images: { pullPolicy: 'Always' } }).spec;
    const pod = sparkExecutorPod();
    const { pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(out.spec!.volumes!.find((v) => v.image)!.image).toEqual({
      reference: 'alluxio/alluxio:2.9.4',
      pullPolicy: 'Always',
    });
  });

  it('is idempotent, also once the apiserver has defaulted the image volume', () => {
    const policy = imageVolumePolicy();
    const first = inject(sparkExecutorPod(), policy);
    const stored = structuredClone(first.pod);
    stored.spec!.volumes!.find((v) => v.image)!.image!.pullPolicy = 'IfNotPresent';
    const second = inject(stored, policy);
    expect(second.actions.filter((a) => a.outcome === 'applied')).toEqual([]);
    expect(second.patch.filter((op) => op.path !== '/metadata/annotations/graphdata.io~1injected')).toEqual([]);
  });

  it('falls back to the init container where the cluster does not serve image volumes, and says so', () => {
    const result = inject(sparkExecutorPod(), imageVolumePolicy(), { imageVolumes: false });
    expect(result.pod.spec!.initContainers!.map((c) => c.name)).toEqual(['graphdata-alluxio-client']);
    expect(result.pod.spec!.volumes).toContainEqual({ name: 'graphdata-alluxio-client', emptyDir: {} });
    expect(result.diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'client-jar-skipped',
        message: expect.stringContaining('does not serve image volumes'),
      }),
    );
    // Only when it adds the copy: a second pass is silent.
    const again = inject(result.pod, imageVolumePolicy(), { imageVolumes: false });
    expect(again.diagnostics.filter((d) => d.code === 'client-jar-skipped')).toEqual([]);
  });

  it('imageVolumes: true, or unknown, keeps the policy choice', () => {
    for (const imageVolumes of [true, undefined]) {
      const result = inject(sparkExecutorPod(), imageVolumePolicy(), imageVolumes ? { imageVolumes } : {});
      expect(result.pod.spec!.initContainers).toBeUndefined();
      expect(result.pod.spec!.volumes!.some((v) => v.image)).toBe(true);
    }
  });
});

describe('either delivery is recognised by content', () => {
  const changedBy = (pod: Pod, policy = initPolicy()) =>
    inject(pod, policy).actions.filter((a) => a.outcome === 'applied' || a.outcome === 'conflict');

  it('a pod injected with the init container is complete under an imageVolume policy, and the reverse', () => {
    const copied = inject(sparkExecutorPod(), initPolicy()).pod;
    const mounted = inject(sparkExecutorPod(), imageVolumePolicy()).pod;
    expect(changedBy(copied, imageVolumePolicy())).toEqual([]);
    expect(changedBy(mounted, initPolicy())).toEqual([]);
    // The safety net judges content the same way.
    expect(checkInjected(copied, imageVolumePolicy()).missing).toEqual([]);
    expect(checkInjected(mounted, initPolicy()).missing).toEqual([]);
    expect(checkInjected(sparkExecutorPod(), imageVolumePolicy()).missing.map((a) => a.subject)).toContain(
      'volume graphdata-alluxio-client',
    );
  });

  it('an image volume of the Alluxio image under the pod author name is used, not duplicated', () => {
    const pod = sparkExecutorPod();
    pod.spec!.volumes!.push({ name: 'alluxio-jar', image: { reference: 'alluxio/alluxio:2.9.4' } });
    const result = inject(pod, initPolicy());
    expect(result.pod.spec!.initContainers).toBeUndefined();
    expect(result.pod.spec!.volumes!.filter((v) => v.image || v.name === 'graphdata-alluxio-client')).toEqual([
      { name: 'alluxio-jar', image: { reference: 'alluxio/alluxio:2.9.4' } },
    ]);
    expect(result.pod.spec!.containers[0]!.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'alluxio-jar', mountPath: '/opt/graphdata/alluxio-client' }),
    );
  });

  it('our volume name as an image volume of another image: a conflict, nothing added', () => {
    const pod = sparkExecutorPod();
    pod.spec!.volumes!.push({ name: 'graphdata-alluxio-client', image: { reference: 'evil.example/jars:1' } });
    const { actions, pod: out } = clientJar.apply(pod, contextFor(pod, 'spark-executor', imageVolumePolicy().spec));
    expect(actions).toEqual([
      expect.objectContaining({ outcome: 'conflict', subject: 'volume graphdata-alluxio-client' }),
    ]);
    expect(out.spec!.containers[0]!.volumeMounts!.map((m) => m.name)).toEqual(['spark-local-dir-1']);
  });

  it('our init container beside an image volume of our name: a conflict (the copy cannot write there)', () => {
    const copied = inject(sparkExecutorPod(), initPolicy()).pod;
    copied.spec!.volumes = copied.spec!.volumes!.map((v) =>
      v.name === 'graphdata-alluxio-client' ? { name: v.name, image: { reference: 'alluxio/alluxio:2.9.4' } } : v,
    );
    const conflicts = inject(copied, imageVolumePolicy()).actions.filter((a) => a.outcome === 'conflict');
    expect(conflicts.map((a) => a.subject)).toContain('volume graphdata-alluxio-client');
  });
});

describe('native sidecars (init containers with restartPolicy: Always)', () => {
  it('our init container goes after ordinary init containers and before the first sidecar, never as one', () => {
    const result = inject(nativeSidecarExecutorPod(), initPolicy());
    const inits = result.pod.spec!.initContainers!;
    expect(inits.map((c) => c.name)).toEqual(['fetch-deps', 'graphdata-alluxio-client', 'log-shipper', 'jvm-metrics']);
    expect(inits[1]!.restartPolicy).toBeUndefined();
    // Sidecars are not targets: the JVM sidecar keeps its own JAVA_TOOL_OPTIONS and gets no mounts.
    expect(inits[3]).toEqual(nativeSidecarExecutorPod().spec!.initContainers![2]);
    expect(inject(result.pod, initPolicy()).actions.filter((a) => a.outcome === 'applied')).toEqual([]);
  });

  it('a sidecar that carries our init container name and content is a conflict, not our copy', () => {
    const pod = inject(sparkExecutorPod(), initPolicy()).pod;
    pod.spec!.initContainers![0]!.restartPolicy = 'Always';
    const fresh = sparkExecutorPod();
    fresh.spec!.initContainers = [{ ...pod.spec!.initContainers![0]! }];
    const { actions, pod: out } = clientJar.apply(fresh, contextFor(fresh, 'spark-executor'));
    expect(actions).toEqual([
      expect.objectContaining({
        outcome: 'conflict',
        subject: 'initContainer graphdata-alluxio-client',
        path: 'spec.initContainers[0]',
      }),
    ]);
    expect(out.spec!.volumes!.map((v) => v.name)).toEqual(['spark-local-dir-1']);
  });

  it('an image volume needs no init container, so sidecars are left in place', () => {
    const result = inject(nativeSidecarExecutorPod(), imageVolumePolicy());
    expect(result.pod.spec!.initContainers).toEqual(nativeSidecarExecutorPod().spec!.initContainers);
  });
});
