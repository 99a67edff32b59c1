// Supplied certificates on the real control plane: the webhook serves a mounted
// kubernetes.io/tls Secret volume, kubelet swaps it while the apiserver keeps creating
// pods through the webhook (failurePolicy Fail), and the webhook never writes to it.
import { mkdtempSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertPair } from '../../certs/pki.js';
import { inspectCert, localSans } from '../../certs/pki.js';
import { mutatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { kubeConfig } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { SecretVolume, newCA, servedSerial, servingPair, snapshot, within } from '../support/cert-dirs.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';
import { httpsCall } from '../support/webhook-client.js';

const NAMESPACE = 'supplied-certs';
const OWN_NAMESPACE = 'graphdata-system';
const CONFIG_NAME = 'graphdata-supplied';

const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);

// The same form servedSerial reports: a serial whose first byte is below 0x10 keeps its leading zero.
const serialOf = (pem: string) => inspectCert(pem).serial;
const injected = (pod: Pod) => pod.metadata?.annotations?.[ANNOTATION_INJECTED];
const secretFiles = (ca: CertPair, pair: CertPair) => ({
  'tls.crt': pair.certPem,
  'tls.key': pair.keyPem,
  'ca.crt': ca.certPem,
});

const ca = newCA('supplied-e2e-ca');
const first = servingPair(ca, [...localSans]);
const second = servingPair(ca, [...localSans]);
const dir = join(mkdtempSync(join(tmpdir(), 'gd-supplied-')), 'tls');
const volume = new SecretVolume(dir);
let webhook: RunningWebhook | undefined;

async function createPod(i: number): Promise<Pod> {
  const body = sparkExecutorPod() as k8s.V1Pod;
  body.metadata = { ...body.metadata, name: undefined, generateName: `supplied-${i}-` };
  return (await core().createNamespacedPod({ namespace: NAMESPACE, body, dryRun: 'All' })) as Pod;
}

beforeAll(async () => {
  volume.write(secretFiles(ca, first));
  webhook = await startWebhook(['--port', '0', '--cert-dir', dir, '--drain', '0s']);
  try {
    await core().createNamespace({
      body: { metadata: { name: NAMESPACE, labels: { 'graphdata.io/inject': 'enabled' } } },
    });
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
  }
  const config = mutatingWebhookConfiguration({
    name: CONFIG_NAME,
    endpoint: { url: `${webhook.url}/mutate` },
    caBundle: ca.certPem,
    ownNamespace: OWN_NAMESPACE,
  });
  // A TLS failure must fail the pod creation, not be skipped silently.
  for (const hook of config.webhooks ?? []) hook.failurePolicy = 'Fail';
  await admission()
    .deleteMutatingWebhookConfiguration({ name: CONFIG_NAME })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({ body: config });
  // The apiserver loads webhook configurations through an informer: wait for a first injected pod.
  await within(
    20_000,
    `webhook ${CONFIG_NAME} to take effect`,
    async () => injected(await createPod(-1)) !== undefined,
  );
});

afterAll(async () => {
  await webhook?.stop();
  await admission()
    .deleteMutatingWebhookConfiguration({ name: CONFIG_NAME })
    .catch(() => undefined);
});

describe('supplied certificates from a Secret volume (--cert-dir)', () => {
  it('a key file others can read (the Secret volume default, 0644) is served, and said at start and in /version', async () => {
    expect(webhook!.logs()).toMatch(/private key \S+tls\.key is readable by its group and others \(mode 0644\)/);
    const version = await httpsCall(`${webhook!.url}/version`, ca.certPem);
    expect(JSON.parse(version.body).warnings).toEqual([expect.stringMatching(/readable by its group and others/)]);
  });

  it('a kubelet-style swap is served without a restart, pods keep being injected, the dir is never written', async () => {
    const running = webhook!;
    expect(await servedSerial(running.url, ca.certPem)).toBe(serialOf(first.certPem));

    const results: { i: number; ok: boolean; why?: string }[] = [];
    let swappedAt = -1;
    let servedNewAt = -1;
    let done = false;
    const creator = (async () => {
      for (let i = 0; !done || results.length < 45; i++) {
        try {
          const pod = await createPod(i);
          results.push({ i, ok: injected(pod) !== undefined, why: 'not injected' });
        } catch (error) {
          results.push({ i, ok: false, why: String((error as k8s.ApiException<string>).body ?? error) });
        }
      }
    })();

    await within(30_000, 'ten pods created before the swap', async () => results.length >= 10);
    // What kubelet does: a new timestamped dir, `..data_tmp` renamed over `..data`, the old dir removed.
    const before = readlinkSync(join(dir, '..data'));
    volume.write(secretFiles(ca, second));
    const after = readlinkSync(join(dir, '..data'));
    expect(after).not.toBe(before);
    swappedAt = results.length;
    const afterSwap = snapshot(dir);

    await within(6_000, 'a new handshake to serve the new certificate', async () => {
      return (await servedSerial(running.url, ca.certPem)) === serialOf(second.certPem);
    });
    servedNewAt = results.length;
    await within(30_000, 'fifteen more pods after the new certificate is served', async () => {
      return results.length >= servedNewAt + 15;
    });
    done = true;
    await creator;

    expect(results.length).toBeGreaterThanOrEqual(40);
    expect(swappedAt).toBeGreaterThan(0);
    expect(results.filter((r) => !r.ok)).toEqual([]);

    // Let the webhook poll the files a few more times, then stop it and look again.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await running.stop()).toBe(0);
    webhook = undefined;
    const final = snapshot(dir);
    expect(final).toEqual(afterSwap);
    expect(Object.keys(final).sort()).toEqual(
      [
        '',
        '..data',
        after,
        `${after}/ca.crt`,
        `${after}/tls.crt`,
        `${after}/tls.key`,
        'ca.crt',
        'tls.crt',
        'tls.key',
      ].sort(),
    );
    expect(final['tls.crt']).toMatch(/ link \.\.data\/tls\.crt$/);
    expect(final['..data']).toMatch(new RegExp(` link ${after.replace(/\./g, '\\.')}$`));
  });
});
