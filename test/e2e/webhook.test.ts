import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA } from '../../certs/pki.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { staticPolicyStore } from '../support/policy-store.js';
import { mutatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import { buildServer } from '../../webhook/server.js';
import { cluster, createPod, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import {
  POD_SHAPES,
  graphscopeEnginePod,
  legacyComputeNodePod,
  sparkDriverPod,
  sparkExecutorPod,
  starrocksCnPod,
} from '../fixtures/pods.js';
import { defaultPolicy } from '../fixtures/policy.js';
import { randomPod, rng } from '../fixtures/random-pods.js';
import { commonNameOnlyCert } from '../support/certs.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);

let webhook: RunningWebhook;
const OWN_NAMESPACE = 'graphdata-system';

async function register(config: k8s.V1MutatingWebhookConfiguration): Promise<void> {
  const name = config.metadata!.name!;
  try {
    await admission().deleteMutatingWebhookConfiguration({ name });
  } catch {
    /* not there yet */
  }
  await admission().createMutatingWebhookConfiguration({ body: config });
  // The apiserver picks up webhook configurations from an informer: wait until a probe pod is injected.
  await waitFor(async () => {
    const probe = await createPod('graphdata-probe', sparkExecutorPod(), 'All');
    return probe.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  }, `webhook ${name} to take effect`);
}

beforeAll(async () => {
  webhook = await startDevWebhook();
  await ensureNamespace('graphdata-probe', { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace('tenant-a', { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace('tenant-plain');
  await ensureNamespace(OWN_NAMESPACE, { 'graphdata.io/inject': 'enabled' });
  await register(
    mutatingWebhookConfiguration({
      endpoint: { url: `${webhook.url}/mutate` },
      caBundle: webhook.ca,
      ownNamespace: OWN_NAMESPACE,
    }),
  );
});

afterAll(async () => {
  await webhook?.stop();
  await admission()
    .deleteMutatingWebhookConfiguration({ name: 'graphdata' })
    .catch(() => undefined);
});

const injected = (pod: Pod) => pod.metadata?.annotations?.[ANNOTATION_INJECTED];
const container = (pod: Pod, name: string) => pod.spec!.containers.find((c) => c.name === name)!;

describe('pods created through the apiserver in an opted-in namespace', () => {
  it('Spark executor: jar, config, socket and placement are stored', async () => {
    const pod = await createPod('tenant-a', sparkExecutorPod());
    expect(JSON.parse(injected(pod)!)).toMatchObject({
      workload: 'spark-executor',
      policy: 'ClusterGraphDataPolicy/default',
      generation: 1,
    });
    const c = container(pod, 'spark-kubernetes-executor');
    expect(c.env!.find((e) => e.name === 'SPARK_EXTRA_CLASSPATH')?.value).toBe(
      '/opt/graphdata/alluxio-client/alluxio-2.9.4-client.jar',
    );
    expect(c.env!.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value).toContain(
      '-Dalluxio.master.hostname=alluxio-master-0.alluxio',
    );
    expect(c.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-domain',
      mountPath: '/opt/domain',
      readOnly: true,
    });
    expect(pod.spec!.volumes).toContainEqual({
      name: 'graphdata-alluxio-domain',
      hostPath: { path: '/tmp/alluxio-domain', type: 'Directory' },
    });
    expect(pod.spec!.initContainers!.map((i) => i.name)).toEqual(['graphdata-alluxio-client']);
    expect(pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
  });

  it('Spark driver: jar and config only', async () => {
    const pod = await createPod('tenant-a', sparkDriverPod());
    expect(JSON.parse(injected(pod)!).workload).toBe('spark-driver');
    expect(container(pod, 'spark-kubernetes-driver').env!.map((e) => e.name)).toContain('SPARK_EXTRA_CLASSPATH');
    expect(pod.spec!.nodeSelector).toBeUndefined();
  });

  it.each([
    ['operator v1', starrocksCnPod, 'cn'],
    ['legacy ComputeNodeGroup', legacyComputeNodePod, 'cn-container'],
  ])('StarRocks CN (%s): the jar as one file in the hdfs lib dir', async (_, make, name) => {
    const pod = await createPod('tenant-a', make());
    expect(container(pod, name).volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-client',
      mountPath: '/opt/starrocks/cn/lib/hadoop/hdfs/alluxio-2.9.4-client.jar',
      subPath: 'alluxio-2.9.4-client.jar',
      readOnly: true,
    });
  });

  it('GraphScope engine: the engine container only, never vineyard', async () => {
    const pod = await createPod('tenant-a', graphscopeEnginePod());
    expect(container(pod, 'engine').volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/opt/domain' }));
    expect(container(pod, 'vineyard').volumeMounts ?? []).not.toContainEqual(
      expect.objectContaining({ mountPath: '/opt/domain' }),
    );
  });

  it.each(POD_SHAPES)('$name: admitted without a 422, injected once', async ({ pod }) => {
    const stored = await createPod('tenant-a', pod());
    expect(injected(stored)).toBeDefined();
    // Every pod name, volume and mount path is unique, or the apiserver would have refused it.
    expect(new Set(stored.spec!.volumes?.map((v) => v.name)).size).toBe(stored.spec!.volumes?.length ?? 0);
  });
});

describe('randomised pod shapes through the apiserver', () => {
  it('60 seeded shapes: every pod is accepted (no 422); injected unless it runs on Windows', async () => {
    const random = rng(7);
    for (let i = 0; i < 60; i++) {
      const pod = randomPod(random);
      pod.metadata!.name = `random-${i}`;
      const stored = await createPod('tenant-a', pod, 'All').catch((e: unknown) => {
        throw new Error(`pod #${i} refused: ${(e as k8s.ApiException<string>).body}\n${JSON.stringify(pod)}`);
      });
      if (pod.spec?.os?.name === 'windows') expect(injected(stored), JSON.stringify(pod)).toBeUndefined();
      else expect(injected(stored), JSON.stringify(pod)).toBeDefined();
    }
  });
});

describe('pods the webhook must not touch', () => {
  it.each([
    ['an unlabelled namespace', 'tenant-plain', sparkExecutorPod()],
    ['kube-system', 'kube-system', sparkExecutorPod()],
    ['the webhook’s own namespace', OWN_NAMESPACE, sparkExecutorPod()],
    [
      'a pod labelled graphdata.io/inject=false',
      'tenant-a',
      {
        ...sparkExecutorPod(),
        metadata: { name: 'opted-out', labels: { 'spark-role': 'executor', 'graphdata.io/inject': 'false' } },
      },
    ],
    [
      'an unrelated pod (filtered by matchConditions)',
      'tenant-a',
      {
        metadata: { name: 'web', labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      } as Pod,
    ],
  ])('%s: stored untouched', async (_, namespace, pod) => {
    const stored = await createPod(namespace, pod);
    expect(injected(stored)).toBeUndefined();
    expect(stored.spec!.volumes?.some((v) => v.name.startsWith('graphdata-'))).toBeFalsy();
    expect(stored.spec!.initContainers).toBeUndefined();
  });
});

describe('kubectl graphdata against the live webhook', () => {
  it('version finds the webhook through its MutatingWebhookConfiguration', () => {
    const run = kubectl(['graphdata', 'version', '--kubeconfig', cluster().kubeconfig, '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      server: { version: cluster().version },
      webhook: { version: '0.1.0', endpoint: `${webhook.url}/version`, policy: BUILT_IN_POLICY },
    });
  });

  it('reads the injected record and checks each piece is still in place', async () => {
    const pod = await createPod('tenant-a', sparkExecutorPod());
    const run = kubectl([
      'graphdata',
      'explain',
      `pod/${pod.metadata!.name}`,
      '-n',
      'tenant-a',
      '--kubeconfig',
      cluster().kubeconfig,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('injected by ClusterGraphDataPolicy/default generation 1');
    expect(run.stdout).toMatch(/domain-socket\s+present\s+volume graphdata-alluxio-domain/);
    expect(run.stdout).toContain('namespace:  opted in');
  });

  it('says why a pod in an unlabelled namespace was not injected', async () => {
    const pod = await createPod('tenant-plain', sparkExecutorPod());
    const run = kubectl([
      'graphdata',
      'explain',
      `pod/${pod.metadata!.name}`,
      '-n',
      'tenant-plain',
      '--kubeconfig',
      cluster().kubeconfig,
      '-o',
      'json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      namespaceOptedIn: false,
      reason: expect.stringContaining('is not labelled graphdata.io/inject=enabled'),
    });
  });

  it('fails with a hint for a pod that does not exist', () => {
    const run = kubectl(['graphdata', 'explain', 'pod/nope', '-n', 'tenant-a', '--kubeconfig', cluster().kubeconfig]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: cannot read pod tenant-a\/nope: .*404\)\n {2}hint: /);
  });
});

describe('dry run and failure modes', () => {
  it('server-side dry-run returns the injected pod and stores nothing', async () => {
    const pod = sparkExecutorPod();
    pod.metadata!.name = 'dry-run-only';
    const body = { ...pod, metadata: { ...pod.metadata } } as k8s.V1Pod;
    const result = (await core().createNamespacedPod({ namespace: 'tenant-a', body, dryRun: 'All' })) as Pod;
    expect(injected(result)).toBeDefined();
    await expect(core().readNamespacedPod({ namespace: 'tenant-a', name: 'dry-run-only' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('a serving cert without SANs is rejected by the apiserver (TLS really is verified)', async () => {
    const ca = createCA({ commonName: 'cn-only-ca' });
    const bad = commonNameOnlyCert(ca, '127.0.0.1');
    const server = buildServer({
      tls: { cert: bad.certPem, key: bad.keyPem },
      policies: staticPolicyStore(defaultPolicy()),
      logger: false,
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (server.app.server.address() as { port: number }).port;
    await ensureNamespace('tenant-tls', { 'graphdata.io/tls-check': 'on' });
    const config = mutatingWebhookConfiguration({
      name: 'graphdata-tls-check',
      endpoint: { url: `https://127.0.0.1:${port}/mutate` },
      caBundle: ca.certPem,
      ownNamespace: OWN_NAMESPACE,
    });
    // Fail instead of Ignore, scoped to one namespace, so a TLS failure becomes visible.
    config.webhooks![0]!.failurePolicy = 'Fail';
    config.webhooks![0]!.namespaceSelector = { matchLabels: { 'graphdata.io/tls-check': 'on' } };
    try {
      await admission().createMutatingWebhookConfiguration({ body: config });
      let message = '';
      await waitFor(async () => {
        try {
          await createPod('tenant-tls', sparkExecutorPod(), 'All');
          return false;
        } catch (error) {
          message = String((error as k8s.ApiException<string>).body);
          return true;
        }
      }, 'the TLS failure');
      expect(message).toMatch(/x509|certificate/i);
      expect((await server.metrics.requests.get()).values).toEqual([]); // no request ever got through
    } finally {
      await admission().deleteMutatingWebhookConfiguration({ name: 'graphdata-tls-check' });
      await server.shutdown();
    }
  });

  it('with the webhook down, pods are still created within the timeout (failurePolicy Ignore)', async () => {
    expect(await webhook.stop('SIGTERM')).toBe(0);
    const started = Date.now();
    const pod = await createPod('tenant-a', sparkExecutorPod());
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(injected(pod)).toBeUndefined();
  });
});
