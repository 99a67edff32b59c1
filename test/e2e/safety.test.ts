// Safe injection on the real control plane: PodSecurity admission (on by default in
// kube-apiserver), label-key validation of the dataset preference, and tenant-owned
// profiles. The webhook runs with --kubeconfig, so it watches namespaces for their labels.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import { readInjectedAnnotation } from '../../policies/injected-annotation.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, createPod, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkDriverPod, sparkExecutorPod } from '../fixtures/pods.js';
import { rng } from '../fixtures/random-pods.js';
import { kubectl } from '../support/kubectl.js';
import { startWebhook, type RunningWebhook } from '../support/spawn-webhook.js';

const NAME = 'graphdata-safety';
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);
const OPT_IN = { 'graphdata.io/inject': 'enabled' };
const NAMESPACES: Record<string, Record<string, string>> = {
  'safety-probe': OPT_IN,
  'safety-baseline': { ...OPT_IN, 'pod-security.kubernetes.io/enforce': 'baseline' },
  'safety-restricted': { ...OPT_IN, 'pod-security.kubernetes.io/enforce': 'restricted' },
  analytics: OPT_IN,
  'safety-tenant-a': OPT_IN,
  'safety-tenant-b': OPT_IN,
  'safety-team-a': { ...OPT_IN, team: 'a' },
};

const POLICY = `apiVersion: graphdata.io/v1alpha1
kind: ClusterGraphDataPolicy
metadata: {name: safety}
spec:
  profiles:
    tenant-a-dedicated:
      allowedNamespaces: [safety-tenant-a]
      alluxio: {master: {hostname: tenant-a-master}}
      placement: {nodeLabels: {pool: tenant-a}}
      images: {pullSecrets: [tenant-a-regcred]}
    team-a:
      namespaceSelector: {matchLabels: {team: a}}
      placement: {nodeLabels: {pool: team-a}}
    pvc:
      alluxio: {domainSocket: {persistentVolumeClaim: alluxio-worker-domain-socket}}
`;

let webhook: RunningWebhook;

beforeAll(async () => {
  // Namespaces first: the webhook's informer lists them before it reports serving.
  for (const [name, labels] of Object.entries(NAMESPACES)) await ensureNamespace(name, labels);
  const dir = mkdtempSync(join(tmpdir(), 'gd-safety-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  webhook = await startWebhook([
    '--port',
    '0',
    '--dev-cert-dir',
    join(dir, 'certs'),
    '--policy',
    join(dir, 'policy.yaml'),
    '--kubeconfig',
    cluster().kubeconfig,
  ]);
  expect(webhook.logs()).toContain('namespace labels synced');
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({
    body: mutatingWebhookConfiguration({
      name: NAME,
      endpoint: { url: `${webhook.url}/mutate` },
      caBundle: webhook.ca,
      ownNamespace: 'graphdata-system',
    }),
  });
  await waitFor(async () => {
    const probe = await createPod('safety-probe', sparkExecutorPod(), 'All');
    return probe.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  }, `webhook ${NAME} to take effect`);
});

afterAll(async () => {
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await webhook?.stop();
});

const container = (pod: Pod, name: string) => pod.spec!.containers.find((c) => c.name === name)!;
const javaOpts = (pod: Pod, name: string) =>
  container(pod, name).env?.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value ?? '';

/** A pod that passes PodSecurity restricted on its own. */
function restrictedCompliant(pod: Pod): Pod {
  pod.spec!.securityContext = { runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } };
  for (const c of pod.spec!.containers)
    c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return pod;
}

describe('PodSecurity: injection never gets a pod denied', () => {
  it('an executor in a namespace enforcing baseline is admitted, without the hostPath, warned about PVC mode', () => {
    const run = kubectl(['create', '-n', 'safety-baseline', '-o', 'json', '-f', '-'], {
      kubeconfig: cluster().kubeconfig,
      input: JSON.stringify(sparkExecutorPod()),
    });
    expect(run.code, run.stderr).toBe(0);
    const pod = JSON.parse(run.stdout) as Pod;
    expect(pod.spec!.volumes!.some((v) => v.hostPath)).toBe(false);
    expect(javaOpts(pod, 'spark-kubernetes-executor')).toContain('-Dalluxio.master.hostname=');
    expect(javaOpts(pod, 'spark-kubernetes-executor')).not.toContain('short.circuit');
    expect(run.stderr).toContain('domain-socket-skipped');
    expect(run.stderr).toContain('alluxio.domainSocket.persistentVolumeClaim');
  });

  it('…where the hostPath itself is what the apiserver denies', async () => {
    const pod = sparkExecutorPod();
    pod.metadata!.labels!['graphdata.io/inject'] = 'false';
    pod.spec!.volumes!.push({ name: 'socket', hostPath: { path: '/tmp/alluxio-domain', type: 'Directory' } });
    await expect(createPod('safety-baseline', pod, 'All')).rejects.toMatchObject({ code: 403 });
  });

  it('a fully compliant Spark driver in a namespace enforcing restricted is admitted with the init container', async () => {
    const pod = await createPod('safety-restricted', restrictedCompliant(sparkDriverPod()));
    const init = pod.spec!.initContainers!.find((c) => c.name === 'graphdata-alluxio-client')!;
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(readInjectedAnnotation(pod)!.mutators).toContain('client-jar');
  });

  it('PVC mode under restricted: the socket from the claim, short-circuit reads on', async () => {
    const executor = restrictedCompliant(sparkExecutorPod());
    executor.metadata!.annotations = { 'graphdata.io/profile': 'pvc' };
    const pod = await createPod('safety-restricted', executor);
    expect(pod.spec!.volumes).toContainEqual({
      name: 'graphdata-alluxio-domain',
      persistentVolumeClaim: { claimName: 'alluxio-worker-domain-socket' },
    });
    expect(javaOpts(pod, 'spark-kubernetes-executor')).toContain('-Dalluxio.user.short.circuit.enabled=true');
    expect(readInjectedAnnotation(pod)!.mutators).toContain('domain-socket');
  });
});

describe('dataset annotation: the apiserver accepts every injected pod', () => {
  const withDataset = (value: string) => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { 'graphdata.io/dataset': value };
    return pod;
  };
  const fluidKeys = (pod: Pod) =>
    (pod.spec!.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      .flatMap((t) => t.preference.matchExpressions ?? [])
      .map((e) => e.key)
      .filter((k) => k.startsWith('fluid.io/'));

  it("a valid name gets Fluid's node label key", async () => {
    expect(fluidKeys(await createPod('analytics', withDataset('sales')))).toEqual(['fluid.io/s-analytics-sales']);
  });

  it.each(['a/b', 'Sales Data', 'x'.repeat(300), 'd'.repeat(52)])('%j: created, no preference', async (value) => {
    const pod = await createPod('analytics', withDataset(value), 'All');
    expect(fluidKeys(pod)).toEqual([]);
    expect(pod.metadata?.annotations?.[ANNOTATION_INJECTED]).toBeDefined();
  });

  it('property: 40 seeded random values, every patched pod accepted', async () => {
    const random = rng(42_8);
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-._/ AZ';
    for (let i = 0; i < 40; i++) {
      const length = 1 + Math.floor(random() * (i % 5 === 0 ? 120 : 60));
      let value = '';
      for (let j = 0; j < length; j++) value += alphabet[Math.floor(random() * alphabet.length)];
      const pod = await createPod('analytics', withDataset(value), 'All');
      expect(pod.metadata?.annotations?.[ANNOTATION_INJECTED], JSON.stringify(value)).toBeDefined();
    }
  });
});

describe('tenants stay in their lane', () => {
  const asking = (profile: string) => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { 'graphdata.io/profile': profile };
    return pod;
  };

  it("a pod in tenant-b asking for tenant A's profile gets the defaults, and kubectl shows why", () => {
    const run = kubectl(['create', '-n', 'safety-tenant-b', '-o', 'json', '-f', '-'], {
      kubeconfig: cluster().kubeconfig,
      input: JSON.stringify(asking('tenant-a-dedicated')),
    });
    expect(run.code, run.stderr).toBe(0);
    const pod = JSON.parse(run.stdout) as Pod;
    expect(JSON.stringify(pod.spec)).not.toContain('tenant-a');
    expect(pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
    expect(readInjectedAnnotation(pod)!.profile).toBeUndefined();
    expect(run.stderr).toContain('profile-not-allowed');
  });

  it('tenant A gets its profile; a namespace labelled team=a gets the selector-owned one', async () => {
    const a = await createPod('safety-tenant-a', asking('tenant-a-dedicated'));
    expect(a.spec!.nodeSelector).toEqual({ alluxio: 'true', pool: 'tenant-a' });
    expect(a.spec!.imagePullSecrets).toEqual([{ name: 'tenant-a-regcred' }]);
    const team = await createPod('safety-team-a', asking('team-a'));
    expect(team.spec!.nodeSelector).toEqual({ alluxio: 'true', pool: 'team-a' });
    const outsider = await createPod('safety-tenant-b', asking('team-a'));
    expect(outsider.spec!.nodeSelector).toEqual({ alluxio: 'true' });
  });

  it.each(['constructor', '__proto__'])(
    'profile %s is unknown, and the pod is injected with the defaults',
    async (name) => {
      const pod = await createPod('safety-tenant-a', asking(name));
      expect(readInjectedAnnotation(pod)).toMatchObject({ workload: 'spark-executor' });
      expect(readInjectedAnnotation(pod)!.profile).toBeUndefined();
    },
  );

  it('a hand-written graphdata.io/injected record does not skip injection', async () => {
    const forged = sparkExecutorPod();
    forged.metadata!.annotations = {
      [ANNOTATION_INJECTED]: JSON.stringify({
        policy: 'x',
        generation: 1,
        workload: 'spark-executor',
        containers: [],
        mutators: [],
      }),
    };
    const pod = await createPod('safety-tenant-a', forged);
    expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['graphdata-alluxio-client']);
    expect(readInjectedAnnotation(pod)).toMatchObject({ policy: 'ClusterGraphDataPolicy/safety' });
  });
});
