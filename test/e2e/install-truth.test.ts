// enable, status and uninstall say what is true (issue 19), on the real apiserver with a
// real tenant user: excluded namespaces are refused, a 403 is called a permission
// problem, and the opt-in labels uninstall leaves are listed (or removed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, kubeConfig } from '../cluster/kube.js';
import { graphdataAsync } from '../support/kubectl.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';

const NS = 'gd-truth-system';
const TENANT = 'gd-truth-tenant';
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

let webhook: RunningWebhook;
let certDir: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-truth-'));
  certDir = join(dir, 'certs');
  webhook = await startWebhook(['--port', '0', '--dev-cert-dir', certDir], 60_000);
  await core()
    .createNamespace({ body: { metadata: { name: TENANT, labels: { 'graphdata.io/inject': 'enabled' } } } })
    .catch(() => undefined);
  const run = await graphdata([
    'install',
    '--webhook-namespace',
    NS,
    '--webhook-url',
    webhook.url,
    '--ca-file',
    join(certDir, 'ca.crt'),
  ]);
  expect(run.code, run.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await webhook?.stop();
  await graphdata(['uninstall', '--webhook-namespace', NS]);
  for (const name of [NS]) {
    await core()
      .replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } })
      .catch(() => undefined);
  }
});

describe('enable, status and uninstall tell the truth', () => {
  it('enable refuses a namespace the registration excludes, with the reason', async () => {
    for (const ns of ['kube-system', NS]) {
      const run = await graphdata(['enable', '-n', ns]);
      expect(run.code, ns).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        new RegExp(`error: namespace ${ns} cannot be opted in: the webhook registration .* excludes it`),
      );
      expect((await core().readNamespace({ name: ns })).metadata?.labels?.['graphdata.io/inject']).toBeUndefined();
    }
  });

  it('install --dry-run=server into a namespace that does not exist claims only what it checked', async () => {
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      'gd-truth-absent',
      '--image',
      'registry.example/gd:e2e',
      '--dry-run=server',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /namespace gd-truth-absent does not exist yet: (\d+) namespaced objects are not checked/,
    );
    expect(run.stdout).not.toMatch(/accepted every object/);
    expect(run.stdout).toMatch(
      /dry run: the apiserver accepted the \d+ objects it could check; the \d+ in namespace gd-truth-absent were not checked; nothing was stored/,
    );
    await expect(core().readNamespace({ name: 'gd-truth-absent' })).rejects.toMatchObject({ code: 404 });
  });

  it("a tenant's 403 on status is called a permission problem, not a kubeconfig one", async () => {
    const run = await graphdata(['status', '--webhook-namespace', NS, '--context', cluster().tenantContext]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: cannot read the cluster: permission denied for user \S+: .*\(403\)/);
    expect(run.stderr).toMatch(/hint: this is a permission problem, not a connection one: your user may not \w+ \S+/);
    expect(run.stderr).not.toMatch(/check --kubeconfig/);
  });

  it('uninstall lists the opt-in labels it leaves; --remove-labels removes them', async () => {
    const run = await graphdata(['uninstall', '--webhook-namespace', NS]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`left the graphdata.io/inject label on \\d+ namespace\\(s\\): .*${TENANT}.*--remove-labels`),
    );
    expect((await core().readNamespace({ name: TENANT })).metadata?.labels?.['graphdata.io/inject']).toBe('enabled');
    const remove = await graphdata(['uninstall', '--webhook-namespace', NS, '--remove-labels']);
    expect(remove.code, remove.stderr).toBe(0);
    expect(remove.stdout).toMatch(new RegExp(`removed the graphdata.io/inject label from namespace ${TENANT}`));
    expect((await core().readNamespace({ name: TENANT })).metadata?.labels?.['graphdata.io/inject']).toBeUndefined();
  });
});
