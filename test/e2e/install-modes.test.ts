// Switching install modes cleans up (issue 19). No kubelet runs here, so an in-cluster
// install cannot finish its rollout: the cluster is put in the state one leaves by
// applying exactly what install applies in that mode (applyAll of installManifests, the
// registration pointing at the Service). Then `install --webhook-url` must remove the
// in-cluster Deployment, Service, Secrets, Lease, HPA, PDB and RBAC, but only once its
// self-test has passed; `status` lists them as leftovers until then; and the `certs`
// commands say what they do for a webhook outside the cluster.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookCerts } from '../../certs/rollover.js';
import { applyAll, webhookIdentity } from '../../plugin/install/steps.js';
import { makeClients } from '../../plugin/kube/clients.js';
import { inClusterOnlyObjects } from '../../plugin/webhook-objects/install-modes.js';
import { installManifests } from '../../plugin/webhook-objects/manifests.js';
import { cluster, kubeConfig } from '../cluster/kube.js';
import { graphdataAsync } from '../support/kubectl.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';

const NS = 'gd-modes-system';
const clients = () => makeClients(k8s, kubeConfig('admin'));
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

let webhook: RunningWebhook;
let certDir: string;

/** What a finished in-cluster install leaves: its whole bundle, the registration at the Service. */
async function inClusterInstalled(): Promise<void> {
  const generated = generateWebhookCerts(webhookIdentity(NS));
  const objects = installManifests({
    namespace: NS,
    caBundle: generated.bundle,
    certs: {
      caCert: generated.ca.certPem,
      caKey: generated.ca.keyPem,
      tlsCert: generated.serving.certPem,
      tlsKey: generated.serving.keyPem,
    },
    // Nothing serves the Service here: Ignore, so no pod of a parallel file is refused.
    staged: true,
  });
  await applyAll(clients(), objects, false, () => {});
}

/** The in-cluster-only objects that exist now (not being deleted), as `Kind/name`. */
async function inClusterObjectsLeft(): Promise<string[]> {
  const left: string[] = [];
  for (const o of inClusterOnlyObjects(NS)) {
    const live = await clients()
      .objects.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
      })
      .catch(() => undefined);
    if (live && !live.metadata?.deletionTimestamp) left.push(`${o.kind}/${o.metadata.name}`);
  }
  return left;
}

const urlInstall = (extra: string[] = []) =>
  graphdata([
    'install',
    '--webhook-namespace',
    NS,
    '--webhook-url',
    webhook.url,
    '--ca-file',
    join(certDir, 'ca.crt'),
    ...extra,
  ]);

beforeAll(async () => {
  certDir = join(mkdtempSync(join(tmpdir(), 'gd-modes-')), 'certs');
  webhook = await startWebhook(['--port', '0', '--dev-cert-dir', certDir], 60_000);
}, 120_000);

afterAll(async () => {
  await graphdata(['uninstall', '--webhook-namespace', NS]);
  await webhook?.stop();
  await clients()
    .core.replaceNamespaceFinalize({ name: NS, body: { metadata: { name: NS }, spec: { finalizers: [] } } })
    .catch(() => undefined);
});

describe('from in-cluster to --webhook-url', () => {
  it('the in-cluster bundle is in place, and status has no leftovers', async () => {
    await inClusterInstalled();
    expect(await inClusterObjectsLeft()).toEqual(
      expect.arrayContaining([
        'Deployment/graphdata-webhook',
        'Service/graphdata-webhook',
        'Secret/graphdata-webhook-tls',
        'Secret/graphdata-webhook-ca',
        'Lease/graphdata-webhook-leader',
        'HorizontalPodAutoscaler/graphdata-webhook',
        'PodDisruptionBudget/graphdata-webhook',
      ]),
    );
    const status = JSON.parse((await graphdata(['status', '--webhook-namespace', NS, '-o', 'json'])).stdout);
    expect(status.webhook.mode).toBe('in-cluster');
    expect(status.leftovers).toEqual([]);
  });

  it('--skip-self-test: the in-cluster objects stay, and status lists them as leftovers', async () => {
    const run = await urlInstall(['--skip-self-test']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/left in place until a self-test passes: .*Deployment\/graphdata-webhook/);
    expect(await inClusterObjectsLeft()).toContain('Deployment/graphdata-webhook');

    const json = await graphdata(['status', '--webhook-namespace', NS, '-o', 'json']);
    expect(json.code).toBe(1);
    const status = JSON.parse(json.stdout);
    expect(status.webhook).toMatchObject({ mode: 'url', reachable: true });
    expect(status.leftovers).toEqual(
      expect.arrayContaining(['Deployment/graphdata-webhook', 'Secret/graphdata-webhook-tls']),
    );
    expect(status.healthy).toBe(false);
    const table = (await graphdata(['status', '--webhook-namespace', NS])).stdout;
    expect(table).toMatch(
      /^leftovers: +✗ .*Deployment\/graphdata-webhook.*unused since the registration points at https:/m,
    );
  });

  it('a URL install whose self-test fails removes nothing', async () => {
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--webhook-url',
      'https://127.0.0.1:1',
      '--ca-file',
      join(certDir, 'ca.crt'),
      '--self-test-timeout',
      '5',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toMatch(/deleted/);
    expect(await inClusterObjectsLeft()).toEqual(
      expect.arrayContaining(['Deployment/graphdata-webhook', 'Service/graphdata-webhook']),
    );
  }, 120_000);

  it('a URL install that passes its self-test removes every in-cluster object', async () => {
    const run = await urlInstall();
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/self-test passed/);
    for (const what of [
      'Deployment/graphdata-webhook',
      'Service/graphdata-webhook',
      'Secret/graphdata-webhook-tls',
      'Lease/graphdata-webhook-leader',
    ])
      expect(run.stdout).toContain(`deleted ${what} (in-cluster mode, no longer used)`);
    // The deletions come after the registration is final.
    expect(run.stdout.indexOf('deleted Deployment')).toBeGreaterThan(run.stdout.indexOf('registered:'));
    expect(await inClusterObjectsLeft()).toEqual([]);

    const json = await graphdata(['status', '--webhook-namespace', NS, '-o', 'json']);
    expect(json.code, json.stdout).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ healthy: true, leftovers: [], webhook: { mode: 'url' } });
  }, 120_000);

  it('certs rotate and inspect say what they do for a webhook outside the cluster', async () => {
    const rotate = await graphdata(['certs', 'rotate', '--webhook-namespace', NS]);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toMatch(/the webhook runs outside the cluster at https:.*not Secrets in gd-modes-system/);
    expect(rotate.stderr).toMatch(/certs rotate --dir DIR/);
    expect(rotate.stderr).not.toMatch(/run `kubectl graphdata install`, or pass -n/);

    const inspect = await graphdata(['certs', 'inspect', '--webhook-namespace', NS]);
    expect(inspect.stderr).toMatch(/note: the webhook runs outside the cluster at https:/);
    expect(inspect.stdout).toMatch(/^served at 127\.0\.0\.1:\d+\n {2}subject: +CN=/m);
    expect(inspect.stdout).toMatch(/^MutatingWebhookConfiguration\/graphdata caBundle/m);
  });
});
