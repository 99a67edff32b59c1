// Reproductions from "Safe injection in shared, locked-down clusters": each failed on the
// engine before the fix. PodSecurity, dataset names and tenants also run on the real
// apiserver in test/e2e/safety.test.ts.
import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import { readInjectedAnnotation } from '../../../policies/injected-annotation.js';
import type { Container, Pod } from '../../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../../policies/model.js';
import { warningText } from '../../../policies/diagnostics.js';
import { graphscopeEnginePod, sparkDriverPod, sparkExecutorPod } from '../../fixtures/pods.js';
import { rng } from '../../fixtures/random-pods.js';
import { defaultPolicy, policyWith } from '../../fixtures/policy.js';
import { isQualifiedName } from '../../support/k8s-validation.js';

const container = (pod: Pod, name: string): Container => pod.spec!.containers.find((c) => c.name === name)!;
const javaOpts = (c: Container) => c.env?.filter((e) => e.name === 'JAVA_TOOL_OPTIONS').at(-1)?.value ?? '';
const recorded = (pod: Pod) => readInjectedAnnotation(pod)!.mutators;
const enforce = (level: string) => ({ 'pod-security.kubernetes.io/enforce': level, 'graphdata.io/inject': 'enabled' });
const pvcPolicy = () =>
  policyWith({ alluxio: { domainSocket: { persistentVolumeClaim: 'alluxio-worker-domain-socket' } } });

describe('PodSecurity: injection never gets a pod denied', () => {
  it.each(['baseline', 'restricted', 'something-else'])(
    'hostPath mode in a namespace enforcing %s: no hostPath, no short-circuit claim, a warning naming PVC mode',
    (level) => {
      const r = inject(sparkExecutorPod(), defaultPolicy(), {
        namespace: 'analytics',
        namespaceLabels: enforce(level),
      });
      expect(r.pod.spec!.volumes!.some((v) => v.hostPath)).toBe(false);
      const c = container(r.pod, 'spark-kubernetes-executor');
      expect(c.volumeMounts!.map((m) => m.mountPath)).not.toContain('/opt/domain');
      expect(javaOpts(c)).not.toContain('short.circuit');
      expect(javaOpts(c)).not.toContain('domain.socket');
      // Everything else is still injected.
      expect(javaOpts(c)).toContain('-Dalluxio.master.hostname=alluxio-master-0.alluxio');
      expect(r.pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
      expect(recorded(r.pod)).not.toContain('domain-socket');
      const warning = r.diagnostics.find((d) => d.code === 'domain-socket-skipped')!;
      expect(warning.message).toContain(`PodSecurity ${level === 'baseline' ? 'baseline' : 'restricted'}`);
      expect(warning.hint).toContain('alluxio.domainSocket.persistentVolumeClaim');
      // As kubectl shows it: the fix survives the apiserver's 256-character limit.
      expect(warningText(warning)).toContain('persistentVolumeClaim (e.g. alluxio-worker-domain-socket) in the policy');
    },
  );

  it('hostPath mode where the namespace is privileged, unlabelled or unknown: the hostPath as before', () => {
    for (const namespaceLabels of [enforce('privileged'), {}, undefined]) {
      const r = inject(sparkExecutorPod(), defaultPolicy(), {
        namespace: 'a',
        ...(namespaceLabels ? { namespaceLabels } : {}),
      });
      expect(r.pod.spec!.volumes).toContainEqual({
        name: 'graphdata-alluxio-domain',
        hostPath: { path: '/tmp/alluxio-domain', type: 'Directory' },
      });
      expect(r.diagnostics).toEqual([]);
    }
  });

  it('PVC mode mounts the claim, claims short-circuit reads, and is fine under restricted', () => {
    const r = inject(sparkExecutorPod(), pvcPolicy(), { namespace: 'a', namespaceLabels: enforce('restricted') });
    expect(r.pod.spec!.volumes).toContainEqual({
      name: 'graphdata-alluxio-domain',
      persistentVolumeClaim: { claimName: 'alluxio-worker-domain-socket' },
    });
    const c = container(r.pod, 'spark-kubernetes-executor');
    expect(c.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-domain',
      mountPath: '/opt/domain',
      readOnly: true,
    });
    expect(javaOpts(c)).toContain('-Dalluxio.user.short.circuit.enabled=true');
    expect(javaOpts(c)).toContain('-Dalluxio.worker.data.server.domain.socket.address=/opt/domain');
    expect(recorded(r.pod)).toContain('domain-socket');
    expect(r.diagnostics).toEqual([]);
  });

  it('the client-jar init container passes the restricted checks', () => {
    const r = inject(sparkDriverPod(), defaultPolicy(), { namespace: 'a' });
    const init = r.pod.spec!.initContainers!.find((i) => i.name === 'graphdata-alluxio-client')!;
    expect(init.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
    });
    expect(init.resources).toEqual({
      requests: { cpu: '10m', memory: '32Mi' },
      limits: { cpu: '200m', memory: '128Mi' },
    });
  });
});

describe('dataset annotation: no label key the apiserver rejects', () => {
  const withDataset = (value: string, pod = sparkExecutorPod()) => {
    pod.metadata!.annotations = { ...pod.metadata!.annotations, 'graphdata.io/dataset': value };
    return pod;
  };
  const datasetKeys = (pod: Pod) =>
    (pod.spec!.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      .flatMap((t) => t.preference.matchExpressions ?? [])
      .map((e) => e.key)
      .filter((k) => k.startsWith('fluid.io/'));

  it("builds Fluid's key for a valid name", () => {
    const r = inject(withDataset('sales'), defaultPolicy(), { namespace: 'analytics' });
    expect(datasetKeys(r.pod)).toEqual(['fluid.io/s-analytics-sales']);
  });

  it.each([
    ['a/b', 'not a Fluid Dataset name'],
    ['Sales Data', 'not a Fluid Dataset name'],
    ['x'.repeat(300), 'not a Fluid Dataset name'],
    ['', 'not a Fluid Dataset name'],
    ['d'.repeat(52), 'fluid.io/s-<Dataset UID>'],
  ])('%j: no preference, a warning, the rest injected', (value, why) => {
    const r = inject(withDataset(value), defaultPolicy(), { namespace: 'analytics' });
    expect(datasetKeys(r.pod)).toEqual([]);
    const warning = r.diagnostics.find((d) => d.code === 'placement-skipped')!;
    expect(warning.message).toContain(why);
    expect(warning.path).toBe('metadata.annotations["graphdata.io/dataset"]');
    expect(r.pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
  });

  it('matches Fluid at the 63-character boundary', () => {
    // fluid.io/s- (11) + analytics (9) + - (1) = 21: names up to 41 keep the long form.
    expect(datasetKeys(inject(withDataset('d'.repeat(41)), defaultPolicy(), { namespace: 'analytics' }).pod)).toEqual([
      `fluid.io/s-analytics-${'d'.repeat(41)}`,
    ]);
    expect(datasetKeys(inject(withDataset('d'.repeat(42)), defaultPolicy(), { namespace: 'analytics' }).pod)).toEqual(
      [],
    );
  });

  it('property: for any annotation value, every label key injected is one the apiserver accepts', () => {
    const random = rng(8_2026);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-._/ ABCZ~é\u0000\n';
    for (let i = 0; i < 300; i++) {
      const length = Math.floor(random() * (i % 10 === 0 ? 300 : 70));
      let value = '';
      for (let j = 0; j < length; j++) value += alphabet[Math.floor(random() * alphabet.length)];
      const namespace = ['analytics', 'a', 'x'.repeat(63)][i % 3]!;
      const r = inject(withDataset(value), defaultPolicy(), { namespace });
      for (const key of datasetKeys(r.pod))
        expect(isQualifiedName(key), `${JSON.stringify(value)} → ${key}`).toBe(true);
    }
  });
});

describe('conflicts are not injections', () => {
  it('an emptyDir named graphdata-alluxio-domain is not mounted as the socket, and nothing claims it', () => {
    const pod = sparkExecutorPod();
    pod.spec!.volumes!.push({ name: 'graphdata-alluxio-domain', emptyDir: {} });
    const r = inject(pod, defaultPolicy(), { namespace: 'a' });
    const c = container(r.pod, 'spark-kubernetes-executor');
    expect(c.volumeMounts!.map((m) => m.name)).not.toContain('graphdata-alluxio-domain');
    expect(javaOpts(c)).not.toContain('domain.socket');
    expect(javaOpts(c)).not.toContain('short.circuit');
    expect(recorded(r.pod)).not.toContain('domain-socket');
    expect(r.diagnostics.map((d) => d.code)).toContain('domain-socket-conflict');
    expect(r.reason).toContain('not applied because of conflicts: domain-socket');
  });

  it('a user volume graphdata-alluxio-client that is a hostPath to /etc gets no init container and no mounts', () => {
    const pod = sparkExecutorPod();
    pod.spec!.volumes!.push({ name: 'graphdata-alluxio-client', hostPath: { path: '/etc' } });
    const r = inject(pod, defaultPolicy(), { namespace: 'a' });
    expect(r.pod.spec!.initContainers ?? []).toEqual([]);
    const c = container(r.pod, 'spark-kubernetes-executor');
    expect(c.volumeMounts!.map((m) => m.name)).not.toContain('graphdata-alluxio-client');
    expect(c.env!.map((e) => e.name)).not.toContain('SPARK_EXTRA_CLASSPATH');
    expect(recorded(r.pod)).not.toContain('client-jar');
    expect(r.diagnostics.find((d) => d.code === 'client-jar-conflict')?.path).toBe('spec.volumes[1]');
  });

  it('a mount clash in one container leaves that container alone, the others injected', () => {
    const pod = graphscopeEnginePod();
    pod.spec!.containers.push({
      name: 'executor',
      image: 'x:1',
      volumeMounts: [{ name: 'data', mountPath: '/opt/domain' }],
    });
    pod.spec!.volumes = [{ name: 'data', emptyDir: {} }];
    const r = inject(pod, defaultPolicy(), { namespace: 'a' });
    expect(container(r.pod, 'engine').volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'graphdata-alluxio-domain' }),
    );
    expect(container(r.pod, 'executor').volumeMounts).toEqual([{ name: 'data', mountPath: '/opt/domain' }]);
    expect(javaOpts(container(r.pod, 'engine'))).toContain('domain.socket');
    expect(javaOpts(container(r.pod, 'executor'))).not.toContain('domain.socket');
    expect(recorded(r.pod)).not.toContain('domain-socket');
  });
});

describe('profiles belong to tenants', () => {
  const dedicated = {
    allowedNamespaces: ['tenant-a'],
    alluxio: { master: { hostname: 'tenant-a-master' }, domainSocket: { hostPath: '/mnt/tenant-a/socket' } },
    placement: { mode: 'required' as const, nodeLabels: { pool: 'tenant-a' } },
    images: { pullSecrets: ['tenant-a-regcred'] },
  };
  const policy = policyWith(
    {},
    {
      'tenant-a-dedicated': dedicated,
      teams: { namespaceSelector: { matchLabels: { team: 'a' } }, placement: { mode: 'preferred' as const } },
    },
  );
  const asking = (profile: string, pod = sparkExecutorPod()) => {
    pod.metadata!.annotations = { 'graphdata.io/profile': profile };
    return pod;
  };
  const leaks = (pod: Pod) => JSON.stringify(pod.spec).match(/tenant-a/g) ?? [];

  it("a pod in tenant-b asking for tenant A's profile gets the defaults and a warning", () => {
    const r = inject(asking('tenant-a-dedicated'), policy, { namespace: 'tenant-b', namespaceLabels: {} });
    expect(r.profile).toBeUndefined();
    expect(leaks(r.pod)).toEqual([]);
    expect(r.pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
    expect(r.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'profile-not-allowed', path: 'metadata.annotations["graphdata.io/profile"]' }),
    );
    expect(readInjectedAnnotation(r.pod)!.profile).toBeUndefined();
  });

  it('the owner namespace gets it', () => {
    const r = inject(asking('tenant-a-dedicated'), policy, { namespace: 'tenant-a' });
    expect(r.profile).toBe('tenant-a-dedicated');
    expect(r.pod.spec!.imagePullSecrets).toEqual([{ name: 'tenant-a-regcred' }]);
    expect(r.diagnostics).toEqual([]);
  });

  it('a namespaceSelector grants it by namespace labels, and unknown labels grant nothing', () => {
    expect(inject(asking('teams'), policy, { namespace: 'x', namespaceLabels: { team: 'a' } }).profile).toBe('teams');
    const other = inject(asking('teams'), policy, { namespace: 'x', namespaceLabels: { team: 'b' } });
    expect(other.profile).toBeUndefined();
    expect(other.diagnostics[0]!.message).toContain('namespaces labelled team=a');
    const unknown = inject(asking('teams'), policy, { namespace: 'x' });
    expect(unknown.profile).toBeUndefined();
    expect(unknown.diagnostics[0]!.message).toContain('labels are not known');
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('%s is an unknown profile', (name) => {
    const r = inject(asking(name), policy, { namespace: 'tenant-a' });
    expect(r.status).toBe('injected');
    expect(r.profile).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['unknown-profile']);
    expect(readInjectedAnnotation(r.pod)!.profile).toBeUndefined();
  });
});

describe('the graphdata.io/injected record is output, never trusted', () => {
  it.each([
    [
      'a copied record',
      JSON.stringify({
        policy: 'ClusterGraphDataPolicy/default',
        generation: 1,
        workload: 'spark-executor',
        containers: ['spark-kubernetes-executor'],
        mutators: ['client-jar', 'client-config', 'domain-socket', 'placement', 'images'],
      }),
    ],
    ['garbage', 'not json'],
  ])('%s at CREATE does not skip injection; the record is rewritten to the truth', (_, text) => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { [ANNOTATION_INJECTED]: text };
    const r = inject(pod, defaultPolicy(), { namespace: 'a' });
    expect(r.status).toBe('injected');
    expect(r.pod.spec!.initContainers!.map((i) => i.name)).toEqual(['graphdata-alluxio-client']);
    expect(r.pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
    expect(readInjectedAnnotation(r.pod)!.mutators).toEqual([
      'client-jar',
      'client-config',
      'domain-socket',
      'placement',
      'images',
    ]);
  });

  it('an injected pod comes back unchanged: idempotency comes from the mutators', () => {
    const first = inject(sparkExecutorPod(), defaultPolicy(), { namespace: 'a' });
    const second = inject(first.pod, defaultPolicy(), { namespace: 'a' });
    expect(second.changed).toBe(false);
    expect(second.status).toBe('nothing-to-do');
    expect(second.pod).toBe(first.pod);
  });
});

describe('JAVA_TOOL_OPTIONS done right', () => {
  const executorWithEnv = (env: NonNullable<Container['env']>) => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env = env;
    return pod;
  };

  it('appends to the last JAVA_TOOL_OPTIONS (the one that wins), leaving the first alone', () => {
    const pod = executorWithEnv([
      { name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g' },
      { name: 'JAVA_TOOL_OPTIONS', value: '-XX:+UseG1GC  -Dquoted="a  b"' },
    ]);
    const env = container(inject(pod, defaultPolicy(), { namespace: 'a' }).pod, 'spark-kubernetes-executor').env!;
    const java = env.filter((e) => e.name === 'JAVA_TOOL_OPTIONS');
    expect(java[0]!.value).toBe('-Xmx1g');
    expect(java[1]!.value).toMatch(/^-XX:\+UseG1GC {2}-Dquoted="a {2}b" -Dalluxio\.master\.hostname=/);
    // Our $(VAR) is defined before the entry that references it.
    const names = env.map((e) => e.name);
    expect(names.indexOf('ALLUXIO_CLIENT_HOSTNAME')).toBeLessThan(names.lastIndexOf('JAVA_TOOL_OPTIONS'));
  });

  it('a later ALLUXIO_CLIENT_HOSTNAME is reported, not counted as present, and not referenced', () => {
    const pod = executorWithEnv([
      { name: 'JAVA_TOOL_OPTIONS', value: '-Xmx1g' },
      { name: 'ALLUXIO_CLIENT_HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
    ]);
    const r = inject(pod, defaultPolicy(), { namespace: 'a' });
    const c = container(r.pod, 'spark-kubernetes-executor');
    expect(c.env!.filter((e) => e.name === 'ALLUXIO_CLIENT_HOSTNAME')).toHaveLength(1);
    expect(javaOpts(c)).not.toContain('alluxio.user.hostname');
    expect(javaOpts(c)).toContain('-Dalluxio.master.hostname=');
    const warning = r.diagnostics.find((d) => d.code === 'client-config-conflict')!;
    expect(warning.message).toContain('defined after JAVA_TOOL_OPTIONS');
    expect(warning.path).toBe('spec.containers[0].env[1]');
    expect(recorded(r.pod)).not.toContain('client-config');
  });

  it('JAVA_TOOL_OPTIONS from valueFrom: a warning that says how to fix it, nothing added', () => {
    const pod = executorWithEnv([
      { name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'opts' } } },
    ]);
    const r = inject(pod, defaultPolicy(), { namespace: 'a' });
    const c = container(r.pod, 'spark-kubernetes-executor');
    expect(c.env!.map((e) => e.name)).toEqual(['JAVA_TOOL_OPTIONS', 'SPARK_EXTRA_CLASSPATH']);
    const warning = r.diagnostics.find((d) => d.code === 'client-config-conflict')!;
    expect(warning.message).toContain('valueFrom');
    expect(warning.hint).toContain('literal value');
  });
});

describe('linear per request', () => {
  const bigPod = (n: number): Pod => {
    const pod = sparkExecutorPod();
    pod.spec!.containers = Array.from({ length: n }, (_, i) => ({
      name: i % 2 === 0 ? 'executor' : `side-${i}`,
      image: 'apache/spark:3.5.1',
    }));
    return pod;
  };
  const timed = (n: number): number => {
    const pod = bigPod(n);
    const start = performance.now();
    inject(pod, defaultPolicy(), { namespace: 'a' });
    return performance.now() - start;
  };

  it('100,000 containers, half named executor, in one pass over the pod', () => {
    const start = performance.now();
    const r = inject(bigPod(100_000), defaultPolicy(), { namespace: 'a' });
    const elapsed = performance.now() - start;
    expect(r.targets).toEqual(['executor']);
    // Quadratic work took 30 s on an idle machine; linear work takes under a second there.
    // The bound is loose because test machines are shared; the ratio below is the real check.
    expect(elapsed).toBeLessThan(20_000);
    // Growth, not absolute speed: 8x the containers costs about 8x, quadratic work 64x.
    // The bound leaves room for a GC or the scheduler landing in the runs of a shared
    // machine (best of several runs; 4x over 10k-40k once measured 11x under load).
    const best = (n: number, runs: number) => Math.min(...Array.from({ length: runs }, () => timed(n)));
    const small = best(10_000, 5);
    const large = best(80_000, 3);
    expect(large / small).toBeLessThan(24);
  }, 60_000);
});
