// Env-heavy pods are admitted, injected and updatable in an opted-in namespace, through the
// real kube-apiserver and etcd with both webhooks registered (/mutate failurePolicy Ignore,
// /validate Fail). The review for such a pod carries the object with its managedFields
// (about twice an env-heavy pod again) and, on UPDATE, the old object too: several times the
// 3 MiB the apiserver accepts from a client, which was the webhook's limit (413).
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installManifests } from '../../plugin/webhook-objects/manifests.js';
import { parseAllowFrom } from '../../plugin/webhook-objects/network-policy.js';
import {
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, createPod, ensureNamespace, kubeConfig, rawGet, waitFor } from '../cluster/kube.js';
import { kubectl } from '../support/kubectl.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const NAME = 'graphdata-large';
const OWN_NAMESPACE = 'graphdata-system';
const TENANT = 'large-tenant';
const PLAIN = 'large-plain';
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);

let webhook: RunningWebhook;

/** The executor with `entries` more env entries in its executor container (33,000 make a 1.09 MB pod). */
function envHeavy(entries: number): Pod {
  const pod = sparkExecutorPod();
  const executor = pod.spec!.containers[0]!;
  executor.env = [
    ...(executor.env ?? []),
    ...Array.from({ length: entries }, (_, i) => ({ name: `E${i}`, value: 'v' })),
  ];
  return pod;
}

async function deleteAll(namespace: string): Promise<void> {
  await core()
    .deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 })
    .catch(() => undefined);
}

beforeAll(async () => {
  webhook = await startDevWebhook();
  await ensureNamespace(TENANT, { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace(PLAIN);
  for (const kind of ['mutating', 'validating'] as const) {
    const remove =
      kind === 'mutating'
        ? admission().deleteMutatingWebhookConfiguration({ name: NAME })
        : admission().deleteValidatingWebhookConfiguration({ name: NAME });
    await remove.catch(() => undefined);
  }
  const opts = { name: NAME, endpoint: { url: webhook.url }, caBundle: webhook.ca, ownNamespace: OWN_NAMESPACE };
  await admission().createMutatingWebhookConfiguration({ body: mutatingWebhookConfiguration(opts) });
  await admission().createValidatingWebhookConfiguration({ body: validatingWebhookConfiguration(opts) });
  await waitFor(async () => {
    const probe = await createPod(TENANT, sparkExecutorPod(), 'All');
    return probe.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  }, 'the webhooks to take effect');
}, 180_000);

/**
 * What is shown here is size, not speed: on the shared two-core test machine a large review
 * can take the worker past a review's 3 s (its start and JIT warm-up included), and the
 * apiserver then reports the time-out (or /validate denies the pod the timed-out /mutate let
 * through, saying so). Those, and only those, are retried, up to 5 times;
 * any other refusal (a 413 above all) fails at once.
 */
async function patientlyBig<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const text = error instanceof k8s.ApiException ? String(error.body) : String(error);
      const timedOut = /did not answer within \d+ ms|context deadline exceeded|request did not complete within/.test(
        text,
      );
      if (!timedOut || attempt === 5) throw error;
      process.stdout.write(`retrying a large review that timed out: ${text.slice(0, 160)}\n`);
    }
  }
}

afterAll(async () => {
  await deleteAll(TENANT);
  await deleteAll(PLAIN);
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await webhook?.stop();
});

describe('env-heavy pods far over the old 3 MiB review limit', () => {
  // 33,000 entries: the 1.09 MB pod. 60,000: about 1.6 MB of pod, whose UPDATE
  // review (object and old object) is over the old 3 MiB limit on its own. (The largest pod
  // the apiserver accepts, just under its 3 MiB client body limit, about 98,000 entries,
  // takes the apiserver itself over 20 s to create on the two-core test machine; the
  // webhook's side of a review that size is shown by a unit test, load-guard.test.ts.)
  it.each([33_000, 60_000])(
    '%i env entries: created injected, then updated',
    async (entries) => {
      const plain = await createPod(PLAIN, envHeavy(entries));
      expect(plain.metadata?.annotations?.[ANNOTATION_INJECTED]).toBeUndefined();
      const pod = await patientlyBig(() => createPod(TENANT, envHeavy(entries)));
      expect(pod.metadata?.annotations?.[ANNOTATION_INJECTED]).toBeDefined();
      // As the apiserver writes it (the client drops managedFields' contents when it decodes).
      const stored = await rawGet(`/api/v1/namespaces/${TENANT}/pods/${pod.metadata!.name}`);
      expect(stored.status).toBe(200);
      const objectBytes = Buffer.byteLength(stored.body);
      const updated = await patientlyBig(() =>
        core().patchNamespacedPod(
          {
            name: pod.metadata!.name!,
            namespace: TENANT,
            body: { metadata: { labels: { resized: 'yes' } } },
          },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        ),
      );
      expect(updated.metadata?.labels?.resized).toBe('yes');
      // The UPDATE review carried the object and the old object, each this size: over 3 MiB.
      if (entries === 60_000) expect(objectBytes * 2).toBeGreaterThan(3 * 1024 * 1024);
      process.stdout.write(
        `${entries} env entries: ${(objectBytes / 1048576).toFixed(2)} MiB as JSON with managedFields\n`,
      );
      await deleteAll(TENANT);
      await deleteAll(PLAIN);
    },
    240_000,
  );
});

describe('install --allow-from', () => {
  it('its NetworkPolicy is accepted by the apiserver (server-side dry run)', async () => {
    const objects = installManifests({
      namespace: TENANT,
      caBundle: 'unused',
      certs: { caCert: '', caKey: '', tlsCert: '', tlsKey: '' },
      allowFrom: parseAllowFrom('10.0.0.0/24,fd00::/64'),
    });
    const policy = objects.find((o) => o.kind === 'NetworkPolicy');
    const run = kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-', '--kubeconfig', cluster().kubeconfig], {
      input: JSON.stringify(policy),
    });
    expect(run.code, run.stderr).toBe(0);
    const created = JSON.parse(run.stdout) as { spec: { ingress: { from: { ipBlock?: { cidr: string } }[] }[] } };
    expect(created.spec.ingress[0]!.from.map((peer) => peer.ipBlock?.cidr)).toEqual([
      '10.0.0.0/24',
      'fd00::/64',
      undefined,
    ]);
  });
});
