// The self-test pod passes the platform's own policy (issue 19): under a
// ClusterGraphDataPolicy that requires resources and limits registries, install's
// dry-run probe still comes back injected and admitted, on the real apiserver.
import { mkdtempSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cluster, installPolicyCrds, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { graphdataAsync } from '../support/kubectl.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';

const NS = 'gd-strict-system';
const POLICY = 'gd-strict';
const custom = () => kubeConfig('admin').makeApiClient(k8s.CustomObjectsApi);
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

let webhook: RunningWebhook;

/** GET /version over TLS trusting the webhook's own CA: which policy it answers with. */
const webhookVersion = () =>
  new Promise<string>((resolve) => {
    const req = get(`${webhook.url}/version`, { ca: webhook.ca, timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
  });

let certDir: string;

beforeAll(async () => {
  installPolicyCrds();
  await custom().createClusterCustomObject({
    group: 'graphdata.io',
    version: 'v1alpha1',
    plural: 'clustergraphdatapolicies',
    body: {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: POLICY },
      spec: {
        mode: 'Enforce',
        limits: { requireResources: true, allowedRegistries: ['registry.internal', 'docker.io'] },
      },
    },
  });
  certDir = join(mkdtempSync(join(tmpdir(), 'gd-strict-')), 'certs');
  // The webhook reads the policy objects from the cluster, as it does when installed.
  webhook = await startWebhook(
    ['--port', '0', '--dev-cert-dir', certDir, '--kubeconfig', cluster().kubeconfig],
    60_000,
  );
  // The probe must meet the policy, not a webhook that has not read it yet.
  await waitFor(async () => (await webhookVersion()).includes(POLICY), 'the webhook to use the strict policy', 60_000);
}, 120_000);

afterAll(async () => {
  await webhook?.stop();
  await custom()
    .deleteClusterCustomObject({
      group: 'graphdata.io',
      version: 'v1alpha1',
      plural: 'clustergraphdatapolicies',
      name: POLICY,
    })
    .catch(() => undefined);
  await graphdata(['uninstall', '--webhook-namespace', NS]);
  await kubeConfig('admin')
    .makeApiClient(k8s.CoreV1Api)
    .replaceNamespaceFinalize({ name: NS, body: { metadata: { name: NS }, spec: { finalizers: [] } } })
    .catch(() => undefined);
});

it('install passes its self-test under requireResources and allowedRegistries', async () => {
  const run = await graphdata([
    'install',
    '--webhook-namespace',
    NS,
    '--webhook-url',
    webhook.url,
    '--ca-file',
    join(certDir, 'ca.crt'),
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/self-test passed: the pod came back injected/);
  // The policy is in force: an executor without resources is refused in an opted-in namespace.
  const tenant = 'gd-strict-tenant';
  await kubeConfig('admin')
    .makeApiClient(k8s.CoreV1Api)
    .createNamespace({ body: { metadata: { name: tenant, labels: { 'graphdata.io/inject': 'enabled' } } } })
    .catch(() => undefined);
  const bare = sparkExecutorPod() as k8s.V1Pod;
  bare.metadata = { ...bare.metadata, name: undefined, generateName: 'strict-' };
  delete bare.spec!.containers[0]!.resources;
  await expect(
    kubeConfig('admin')
      .makeApiClient(k8s.CoreV1Api)
      .createNamespacedPod({ namespace: tenant, body: bare, dryRun: 'All' }),
  ).rejects.toThrow(/resources-required/);
}, 120_000);
