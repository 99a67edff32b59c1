// Pods that users already wired by hand (the Spark + Alluxio walkthrough's own volume
// for the socket directory), Windows pods and envFrom: injection is right on them and
// never makes a valid pod invalid.
import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import { notInjectedDiagnostic } from '../../../policies/injection-check.js';
import type { Pod } from '../../../policies/k8s.js';
import { POD_SHAPES, sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { randomPod, rng } from '../../fixtures/random-pods.js';
import { danglingAddedVolumes } from '../../support/pod-invariants.js';

const policy = defaultPolicy(); // socket /tmp/alluxio-domain mounted at /opt/domain
const SOCKET_OPTION = '-Dalluxio.worker.data.server.domain.socket.address=/opt/domain';

function executorWith(volume: NonNullable<Pod['spec']>['volumes'], mountPath: string, mountName?: string): Pod {
  const pod = sparkExecutorPod();
  pod.spec!.volumes = [...(pod.spec!.volumes ?? []), ...(volume ?? [])];
  pod.spec!.containers[0]!.volumeMounts = [
    ...(pod.spec!.containers[0]!.volumeMounts ?? []),
    { name: mountName ?? volume![0]!.name, mountPath },
  ];
  return pod;
}

const javaOptions = (pod: Pod): string =>
  pod.spec!.containers[0]!.env?.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value ?? '';

describe('a socket directory the user mounted under their own volume name', () => {
  for (const [label, hostPath, mountPath] of [
    ['exactly the policy directory', '/tmp/alluxio-domain', '/opt/domain'],
    ['with a trailing slash on both paths', '/tmp/alluxio-domain/', '/opt/domain/'],
    ['with a dot segment', '/tmp/./alluxio-domain', '/opt/domain'],
  ] as const) {
    it(`${label}: counted present, short-circuit on, no second volume`, () => {
      const pod = executorWith(
        [{ name: 'alluxio-domain', hostPath: { path: hostPath, type: 'Directory' } }],
        mountPath,
      );
      const r = inject(pod, policy, { namespace: 'ns' });
      expect(r.pod.spec!.volumes!.filter((v) => v.hostPath)).toHaveLength(1);
      expect(r.pod.spec!.containers[0]!.volumeMounts!.filter((m) => m.name === 'alluxio-domain')).toHaveLength(1);
      expect(r.actions.filter((a) => a.outcome === 'conflict')).toEqual([]);
      expect(javaOptions(r.pod)).toContain(SOCKET_OPTION);
      expect(javaOptions(r.pod)).toContain('-Dalluxio.user.short.circuit.enabled=true');
      expect(notInjectedDiagnostic(r.pod, policy, { namespace: 'ns' })).toBeUndefined();
      expect(inject(r.pod, policy, { namespace: 'ns' }).patch).toEqual([]);
    });
  }

  it('a mount of that volume elsewhere: ours goes to the socket path, through the same volume', () => {
    const pod = executorWith([{ name: 'sock', hostPath: { path: '/tmp/alluxio-domain' } }], '/mnt/sock');
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(r.pod.spec!.volumes!.map((v) => v.name)).not.toContain('graphdata-alluxio-domain');
    expect(r.pod.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'sock',
      mountPath: '/opt/domain',
      readOnly: true,
    });
  });

  it('a hostPath of another type (File) at that path is not the directory', () => {
    const pod = executorWith([{ name: 'f', hostPath: { path: '/tmp/alluxio-domain', type: 'File' } }], '/mnt/f');
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(r.pod.spec!.volumes!.map((v) => v.name)).toContain('graphdata-alluxio-domain');
  });

  it('in PVC mode the same claim under another name is the socket', () => {
    const pvc = defaultPolicy();
    pvc.spec.alluxio.domainSocket.persistentVolumeClaim = 'alluxio-worker-domain-socket';
    const pod = executorWith(
      [{ name: 'domain', persistentVolumeClaim: { claimName: 'alluxio-worker-domain-socket' } }],
      '/opt/domain',
    );
    const r = inject(pod, pvc, { namespace: 'ns' });
    expect(r.pod.spec!.volumes!.map((v) => v.name)).not.toContain('graphdata-alluxio-domain');
    expect(javaOptions(r.pod)).toContain(SOCKET_OPTION);
  });
});

describe('paths compare normalised', () => {
  it('another volume at /opt/domain/ (trailing slash) is a conflict, not a second mount beside it', () => {
    const pod = executorWith([{ name: 'scratch', emptyDir: {} }], '/opt/domain/');
    const r = inject(pod, policy, { namespace: 'ns' });
    const mounts = r.pod.spec!.containers[0]!.volumeMounts!.map((m) => m.mountPath.replace(/\/$/, ''));
    expect(mounts.filter((m) => m === '/opt/domain')).toHaveLength(1);
    expect(r.actions).toContainEqual(
      expect.objectContaining({
        mutator: 'domain-socket',
        outcome: 'conflict',
        path: 'spec.containers[0].volumeMounts',
      }),
    );
    expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(/mounts something else at \/opt\/domain/);
    expect(javaOptions(r.pod)).not.toContain(SOCKET_OPTION);
  });

  it('the jar directory with a trailing slash, mounted from another volume: a conflict', () => {
    const pod = executorWith([{ name: 'jars', emptyDir: {} }], '/opt/graphdata/alluxio-client/');
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(r.actions).toContainEqual(expect.objectContaining({ mutator: 'client-jar', outcome: 'conflict' }));
  });
});

describe('no dangling volumes', () => {
  it('every socket mount taken: the socket volume is not added', () => {
    const pod = executorWith([{ name: 'scratch', emptyDir: {} }], '/opt/domain');
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(r.pod.spec!.volumes!.map((v) => v.name)).not.toContain('graphdata-alluxio-domain');
    expect(danglingAddedVolumes(pod, r.pod)).toEqual([]);
  });

  it('every jar mount taken: neither the jar volume nor its init container is added', () => {
    const pod = executorWith([{ name: 'jars', emptyDir: {} }], '/opt/graphdata/alluxio-client');
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(r.pod.spec!.volumes!.map((v) => v.name)).not.toContain('graphdata-alluxio-client');
    expect(r.pod.spec!.initContainers ?? []).toEqual([]);
  });

  it('holds for every fixture pod shape', () => {
    for (const shape of POD_SHAPES) {
      const pod = shape.pod();
      expect(danglingAddedVolumes(pod, inject(pod, policy, { namespace: 'ns' }).pod), shape.name).toEqual([]);
    }
  });

  it('holds for 500 seeded random pods', () => {
    const random = rng(20261204);
    for (let i = 0; i < 500; i++) {
      const pod = randomPod(random);
      const r = inject(pod, policy, { namespace: 'ns' });
      expect(danglingAddedVolumes(pod, r.pod), `pod #${i}: ${JSON.stringify(pod)}`).toEqual([]);
    }
  });
});

describe('JAVA_TOOL_OPTIONS from envFrom', () => {
  const withEnvFrom = (from: NonNullable<Pod['spec']>['containers'][number]['envFrom']): Pod => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.envFrom = from;
    return pod;
  };

  it('a ConfigMap that may set it: injected, with a warning that names the ConfigMap and the fix', () => {
    const r = inject(withEnvFrom([{ configMapRef: { name: 'jvm-opts' } }]), policy, { namespace: 'ns' });
    expect(javaOptions(r.pod)).toContain('-Dalluxio.master');
    const warning = r.diagnostics.find(
      (d) => d.message.includes('envFrom') || d.message.includes('ConfigMap jvm-opts'),
    );
    expect(warning?.message).toMatch(/ConfigMap jvm-opts sets JAVA_TOOL_OPTIONS, the env entry added here replaces it/);
    expect(warning?.hint).toMatch(/env entry with a literal value/);
  });

  it('a Secret too; a prefix that cannot make JAVA_TOOL_OPTIONS does not warn', () => {
    const secret = inject(withEnvFrom([{ secretRef: { name: 's' } }]), policy, { namespace: 'ns' });
    expect(secret.diagnostics.some((d) => d.message.includes('Secret s'))).toBe(true);
    const prefixed = inject(withEnvFrom([{ prefix: 'APP_', configMapRef: { name: 'c' } }]), policy, {
      namespace: 'ns',
    });
    expect(prefixed.diagnostics.some((d) => d.message.includes('envFrom') || d.message.includes('ConfigMap c'))).toBe(
      false,
    );
  });

  it('an env entry of its own: appended to, no warning', () => {
    const pod = withEnvFrom([{ configMapRef: { name: 'jvm-opts' } }]);
    pod.spec!.containers[0]!.env = [
      ...(pod.spec!.containers[0]!.env ?? []),
      { name: 'JAVA_TOOL_OPTIONS', value: '-Xmx2g' },
    ];
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(javaOptions(r.pod)).toMatch(/^-Xmx2g -Dalluxio/);
    expect(r.diagnostics.some((d) => d.message.includes('ConfigMap jvm-opts'))).toBe(false);
  });
});

describe('Windows pods', () => {
  it('are left exactly as they are, with a warning, and the safety net does not deny them', () => {
    const pod = sparkExecutorPod();
    pod.spec!.os = { name: 'windows' };
    const r = inject(pod, policy, { namespace: 'ns' });
    expect(r.status).toBe('not-linux');
    expect(r.patch).toEqual([]);
    expect(r.pod).toEqual(pod);
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'warning', code: 'not-linux', path: 'spec.os.name' }),
    );
    expect(notInjectedDiagnostic(pod, policy, { namespace: 'ns' })).toBeUndefined();
  });

  it('a pod that says linux is injected as usual', () => {
    const pod = sparkExecutorPod();
    pod.spec!.os = { name: 'linux' };
    expect(inject(pod, policy, { namespace: 'ns' }).status).toBe('injected');
  });
});
