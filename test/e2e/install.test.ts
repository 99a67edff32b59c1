// install / status / doctor / enable / uninstall against the real apiserver. No kubelet
// runs pods here, so the webhook runs on this machine and is registered with --webhook-url.
import { BUILT_IN_POLICY, MANAGED_BY } from '../../common/cluster-names.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { policyCrds } from '../../policies/policy-crds.js';
import { cluster, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { graphdataAsync, type KubectlRun, kubectl } from '../support/kubectl.js';
import { startWebhook, type RunningWebhook } from '../support/spawn-webhook.js';

const NS = 'gd-install-e2e';
const TENANT = 'gd-install-tenant';
/** Opted in, then deleted: a ConfigMap's finalizer keeps it Terminating until finishDeleting. */
const DYING = 'gd-install-terminating';
const HOLD = { name: 'hold', finalizer: 'graphdata.io/e2e-hold' };
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const graphdata = (args: string[]): Promise<KubectlRun> => graphdataAsync(args, cluster().kubeconfig);

let webhook: RunningWebhook;
let certDir: string;

beforeAll(async () => {
  certDir = join(mkdtempSync(join(tmpdir(), 'gd-install-')), 'certs');
  webhook = await startWebhook(['--port', '0', '--dev-cert-dir', certDir], 60_000);
  await core()
    .createNamespace({ body: { metadata: { name: TENANT } } })
    .catch(() => undefined);
}, 120_000);

/** Drops the finalizer that holds the namespace: the namespace controller then removes it. */
async function finishDeleting(name: string): Promise<void> {
  await core()
    .patchNamespacedConfigMap(
      { name: HOLD.name, namespace: name, body: { metadata: { finalizers: null } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
  await core()
    .deleteNamespace({ name })
    .catch(() => undefined);
}

afterAll(async () => {
  await finishDeleting(DYING);
  await webhook?.stop();
  await admission()
    .deleteMutatingWebhookConfiguration({ name: 'graphdata' })
    .catch(() => undefined);
});

async function createPod(namespace: string): Promise<Pod> {
  const body = sparkExecutorPod() as k8s.V1Pod;
  body.metadata = { ...body.metadata, name: undefined, generateName: 'install-e2e-' };
  return (await core().createNamespacedPod({ namespace, body, dryRun: 'All' })) as Pod;
}

describe('on the bare cluster', () => {
  it('status says not installed, exit 1', async () => {
    const run = await graphdata(['status', '--webhook-namespace', NS]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/webhook:\s+✗ not installed .* run `kubectl graphdata install`/);
  });

  it('doctor: ✗ rows with a fix each; the CRDs the cluster has are ✓', async () => {
    const run = await graphdata(['doctor', '--webhook-namespace', NS]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`✓ Kubernetes version: ${cluster().version} `);
    expect(run.stdout).toMatch(/^✓ Spark operator CRD: sparkapplications\.sparkoperator\.k8s\.io/m);
    // The cluster's fake nodes gd-e2e-cache-0 and -1 carry the built-in policy's label.
    expect(run.stdout).toMatch(
      /^✓ Alluxio nodes: 2 node\(s\) labelled alluxio=true; placement.mode nodeSelector: the pods the webhook places \(executors, CN, engines\) run on these nodes only$/m,
    );
    expect(run.stdout).toMatch(/^✗ Alluxio workers: no running pod labelled role=alluxio-worker\n {4}fix: /m);
    expect(run.stdout).toMatch(
      /^✗ metrics-server: metrics\.k8s\.io is not registered\n {4}fix: install metrics-server/m,
    );
    expect(run.stdout).toMatch(/^✗ custom metrics API: .*\n {4}fix: install prometheus-adapter/m);
    expect(run.stdout).toMatch(/^✗ webhook: not installed .*\n {4}fix: run `kubectl graphdata install`/m);
    expect(run.stdout).not.toContain(String.fromCharCode(27)); // NO_COLOR: no escape sequences
    const json = JSON.parse((await graphdata(['doctor', '--webhook-namespace', NS, '-o', 'json'])).stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; hint?: string }[];
    };
    expect(json.ok).toBe(false);
    for (const check of json.checks.filter((c) => !c.ok)) expect(check.hint, check.name).toBeTruthy();
    const yaml = await graphdata(['doctor', '--webhook-namespace', NS, '-o', 'yaml']);
    expect(yaml.code).toBe(1);
    expect(parseYaml(yaml.stdout)).toEqual(json);
  });

  it('install --dry-run=client -o yaml is accepted by kubectl apply --server-side --dry-run=server', async () => {
    const print = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--dry-run=client',
      '-o',
      'yaml',
      '--image',
      'registry.example.com/graphdata-webhook:0.1.0',
    ]);
    expect(print.code, print.stderr).toBe(0);
    expect(print.stderr).toMatch(/note: .*Secrets .*Keep them out of Git/s);
    // Nothing is stored by a dry run, so the namespace the other objects live in must exist.
    const ns = kubectl(['create', 'namespace', NS, '--kubeconfig', cluster().kubeconfig]);
    expect(ns.code, ns.stderr).toBe(0);
    const apply = kubectl(
      ['apply', '--server-side', '--dry-run=server', '-f', '-', '--kubeconfig', cluster().kubeconfig],
      {
        input: print.stdout,
      },
    );
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/deployment\.apps\/graphdata-webhook serverside-applied \(server dry run\)/);
    expect(apply.stdout).toMatch(/mutatingwebhookconfiguration.*\/graphdata serverside-applied/);
  });

  it('install --dry-run=server checks every object and stores none', async () => {
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--image',
      'registry.example/gd:e2e',
      '--dry-run=server',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/checked Deployment\/graphdata-webhook/);
    await expect(admission().readMutatingWebhookConfiguration({ name: 'graphdata' })).rejects.toMatchObject({
      code: 404,
    });
  });
});

describe('install --webhook-url, then pods are injected', () => {
  it('applies, self-tests and reports success', async () => {
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--webhook-url',
      webhook.url,
      '--ca-file',
      join(certDir, 'ca.crt'),
      '--failure-policy',
      'Fail',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/applied MutatingWebhookConfiguration\/graphdata/);
    expect(run.stdout).toMatch(/self-test passed: the pod came back injected/);
  });

  it('a pod in a namespace enabled with `enable` is injected; `disable` stops it', async () => {
    expect((await graphdata(['enable', '-n', TENANT, '--dry-run=client'])).stdout).toMatch(/opted in.*dry run: client/);
    expect((await createPod(TENANT)).metadata?.annotations?.[ANNOTATION_INJECTED]).toBeUndefined();
    const enable = await graphdata(['enable', '-n', TENANT]);
    expect(enable.code, enable.stderr).toBe(0);
    expect((await graphdata(['enable', '-n', TENANT])).stdout).toMatch(/already opted in/);
    const pod = await createPod(TENANT);
    expect(JSON.parse(pod.metadata!.annotations![ANNOTATION_INJECTED]!).workload).toBe('spark-executor');
    expect((await graphdata(['disable', '-n', TENANT])).code).toBe(0);
    expect((await core().readNamespace({ name: TENANT })).metadata?.labels?.['graphdata.io/inject']).toBeUndefined();
    expect((await createPod(TENANT)).metadata?.annotations?.[ANNOTATION_INJECTED]).toBeUndefined();
    expect((await graphdata(['enable', '-n', TENANT])).code).toBe(0);
  });

  it('status: reachable, days left, caBundle trusts the cert, opted-in namespaces', async () => {
    const run = await graphdata(['status', '--webhook-namespace', NS, '-o', 'json']);
    expect(run.code, run.stdout).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      installed: true,
      healthy: true,
      webhook: { mode: 'url', url: `${webhook.url}/mutate`, reachable: true },
      caBundles: [
        { configuration: 'MutatingWebhookConfiguration/graphdata', trustsServingCert: true },
        { configuration: 'ValidatingWebhookConfiguration/graphdata', trustsServingCert: true },
      ],
      // Asked of the webhook at /version: it runs without a cluster here, on the built-in policy.
      policyInUse: { source: BUILT_IN_POLICY, generation: 1, stale: false },
    });
    expect(report.certificate.daysLeft).toBeGreaterThan(300);
    expect(report.optedInNamespaces).toContain(TENANT);
  });

  it('status: an opted-in namespace being deleted is listed as terminating, in every format', async () => {
    await core().createNamespace({ body: { metadata: { name: DYING, labels: { 'graphdata.io/inject': 'enabled' } } } });
    try {
      await core().createNamespacedConfigMap({
        namespace: DYING,
        body: { metadata: { name: HOLD.name, finalizers: [HOLD.finalizer] } },
      });
      await core().deleteNamespace({ name: DYING });
      expect((await core().readNamespace({ name: DYING })).status?.phase).toBe('Terminating');
      const json = JSON.parse((await graphdata(['status', '--webhook-namespace', NS, '-o', 'json'])).stdout);
      expect(json.optedInNamespaces).toContain(TENANT);
      expect(json.optedInNamespaces).not.toContain(DYING);
      expect(json.terminatingNamespaces).toContain(DYING);
      const yaml = (await graphdata(['status', '--webhook-namespace', NS, '-o', 'yaml'])).stdout;
      expect(parseYaml(yaml).terminatingNamespaces).toContain(DYING);
      expect(parseYaml(yaml).optedInNamespaces).not.toContain(DYING);
      const table = (await graphdata(['status', '--webhook-namespace', NS])).stdout;
      expect(table).toMatch(new RegExp(`^namespaces: .*${TENANT}.*; terminating, not counted: .*${DYING}`, 'm'));
      expect(table.split('; terminating')[0]).not.toContain(DYING);
    } finally {
      await finishDeleting(DYING);
    }
  });

  it('certs inspect shows the caBundle, never key material', async () => {
    const run = await graphdata(['certs', 'inspect', '--webhook-namespace', NS]);
    expect(run.stdout).toMatch(
      /MutatingWebhookConfiguration\/graphdata caBundle\n {2}subject: {5}CN=graphdata-webhook-ca \(CA\)/,
    );
    expect(run.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('--ca-file that is no CA is refused before anything is applied', async () => {
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--webhook-url',
      webhook.url,
      '--ca-file',
      join(certDir, 'tls.crt'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--ca-file .*not a CA certificate/);
  });

  it('a caBundle that does not trust the webhook: the self-test says caBundle', async () => {
    const other = join(certDir, '..', 'other');
    expect((await graphdata(['certs', 'generate', '--out', other])).code).toBe(0);
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--webhook-url',
      webhook.url,
      '--ca-file',
      join(other, 'ca.crt'),
      '--self-test-timeout',
      '5',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /✓ selector: .*\n✓ port: .*\n✗ caBundle: the certificate served at 127\.0\.0\.1:\d+ is not trusted/,
    );
    expect(run.stderr).toMatch(/error: self-test failed/);
  }, 90_000);
});

describe('uninstall', () => {
  it('removes the webhook configuration first and leaves nothing of graphdata behind; a second run is a no-op', async () => {
    const run = await graphdata(['uninstall', '--webhook-namespace', NS]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('deleted MutatingWebhookConfiguration/graphdata');
    expect(run.stdout).toMatch(/deleted CustomResourceDefinition\/clustergraphdatapolicies\.graphdata\.io/);
    expect(run.stdout).toMatch(/deleted ClusterRole\/graphdata-policy-edit\n/);
    expect(run.stdout).toMatch(/deleted ClusterRole\/graphdata-policy-view\n/);
    await expect(admission().readMutatingWebhookConfiguration({ name: 'graphdata' })).rejects.toMatchObject({
      code: 404,
    });
    // The namespace controller empties the namespace before it goes: it may still be terminating.
    const ns = await core()
      .readNamespace({ name: NS })
      .catch(() => undefined);
    expect(ns === undefined || ns.metadata?.deletionTimestamp !== undefined).toBe(true);
    const ext = kc().makeApiClient(k8s.ApiextensionsV1Api);
    for (let i = 0; i < 40; i++) {
      const crds = await ext.listCustomResourceDefinition();
      if (!crds.items.some((c) => c.spec.group === 'graphdata.io')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect((await ext.listCustomResourceDefinition()).items.filter((c) => c.spec.group === 'graphdata.io')).toEqual([]);
    const again = await graphdata(['uninstall', '--webhook-namespace', NS]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/^deleted /m);
    expect(again.stdout).toMatch(/nothing to remove: graphdata is not installed/);
  });

  it('keeps a policy CRD while a policy of its kind exists; status lists that policy and says to delete it first', async () => {
    // The policy CRDs as install makes them (its label), without any webhook registered.
    const crds = policyCrds().map((c) => ({
      ...c,
      metadata: { ...c.metadata, labels: { ...c.metadata.labels, ...MANAGED_BY } },
    }));
    const apply = kubectl(['apply', '--server-side', '-f', '-', '--kubeconfig', cluster().kubeconfig], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: crds }),
    });
    expect(apply.code, apply.stderr).toBe(0);
    const custom = kc().makeApiClient(k8s.CustomObjectsApi);
    const policy = { group: 'graphdata.io', version: 'v1alpha1', plural: 'clustergraphdatapolicies' };
    await waitFor(async () => {
      try {
        await custom.createClusterCustomObject({
          ...policy,
          body: {
            apiVersion: 'graphdata.io/v1alpha1',
            kind: 'ClusterGraphDataPolicy',
            metadata: { name: 'kept-e2e' },
            spec: {},
          },
        });
        return true;
      } catch {
        return false; // the CRD is not Established yet
      }
    }, 'the policy to be created');

    const run = await graphdata(['uninstall', '--webhook-namespace', NS]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /kept CustomResourceDefinition\/clustergraphdatapolicies\.graphdata\.io — 1 policy object/,
    );
    expect(run.stdout).toMatch(/deleted CustomResourceDefinition\/graphdatapolicies\.graphdata\.io/);

    // The other kind is not served now; the policy that is left is still listed.
    await waitFor(async () => {
      const status = await graphdata(['status', '--webhook-namespace', NS]);
      return /^policies: +kept-e2e \(generation 1, /m.test(status.stdout);
    }, 'status to list the policy that is left');
    const status = await graphdata(['status', '--webhook-namespace', NS]);
    expect(status.code).toBe(1); // a leftover is unhealthy
    expect(status.stdout).toContain('(a policy CRD only once its policies, listed above, are deleted)');

    await custom.deleteClusterCustomObject({ ...policy, name: 'kept-e2e' });
    const after = await graphdata(['uninstall', '--webhook-namespace', NS]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/deleted CustomResourceDefinition\/clustergraphdatapolicies\.graphdata\.io/);
  }, 90_000);
});
