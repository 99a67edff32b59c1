// The webhook registrations as the apiserver of the version under test stores them, and
// their matchConditions at work (`npm run test:matrix` runs this on every version): every
// field install sends comes back as sent, and what a matchCondition excludes never reaches
// the webhook, counted by the webhook's own request metric.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, createPod, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';
import { answeredRequests } from '../support/webhook-requests.js';

const NAME = 'graphdata-regfields';
const NAMESPACE = 'regfields';
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);
const core = () => kubeConfig('admin').makeApiClient(k8s.CoreV1Api);

let webhook: RunningWebhook;
let mutating: k8s.V1MutatingWebhookConfiguration;
let validating: k8s.V1ValidatingWebhookConfiguration;

beforeAll(async () => {
  await ensureNamespace(NAMESPACE, { 'graphdata.io/inject': 'enabled' });
  webhook = await startDevWebhook();
  const opts = { name: NAME, endpoint: { url: webhook.url }, caBundle: webhook.ca, ownNamespace: 'graphdata-system' };
  mutating = mutatingWebhookConfiguration(opts);
  validating = validatingWebhookConfiguration(opts);
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({ body: mutating });
  await admission().createValidatingWebhookConfiguration({ body: validating });
  await waitFor(async () => {
    const probe = await createPod(NAMESPACE, sparkExecutorPod(), 'All');
    return probe.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  }, `webhook ${NAME} to take effect`);
});

afterAll(async () => {
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await webhook?.stop();
});

const answered = (path: 'mutate' | 'validate') => answeredRequests(webhook, path);

describe(`registrations as stored on ${cluster().version ?? 'the default version'}`, () => {
  it('the MutatingWebhookConfiguration comes back with every field as sent', async () => {
    const stored = await admission().readMutatingWebhookConfiguration({ name: NAME });
    expect(stored.webhooks).toHaveLength(mutating.webhooks!.length);
    for (const [i, sent] of mutating.webhooks!.entries()) expect(stored.webhooks![i]).toMatchObject(sent);
    expect(stored.webhooks![0]).toMatchObject({
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      timeoutSeconds: 5,
      reinvocationPolicy: 'IfNeeded',
      matchPolicy: 'Equivalent',
      admissionReviewVersions: ['v1'],
      objectSelector: { matchExpressions: [{ key: 'graphdata.io/inject', operator: 'NotIn', values: ['false'] }] },
      matchConditions: [{ name: 'graphdata-workload', expression: expect.stringContaining("'spark-role'") }],
    });
  });

  it('the ValidatingWebhookConfiguration comes back with every field as sent', async () => {
    const stored = await admission().readValidatingWebhookConfiguration({ name: NAME });
    expect(stored.webhooks).toHaveLength(validating.webhooks!.length);
    for (const [i, sent] of validating.webhooks!.entries()) expect(stored.webhooks![i]).toMatchObject(sent);
    expect(stored.webhooks![0]).toMatchObject({
      failurePolicy: 'Fail',
      sideEffects: 'None',
      timeoutSeconds: 5,
      matchPolicy: 'Equivalent',
      // Defaulted by the apiserver: every object.
      objectSelector: {},
      matchConditions: [{ name: 'graphdata-rule-kinds' }, { name: 'graphdata-rule-inputs-changed' }],
    });
  });

  it('a pod of no workload never reaches /mutate; an executor does', async () => {
    const before = await answered('mutate');
    const web = await createPod(NAMESPACE, {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    } as Pod);
    expect(web.metadata!.annotations?.[ANNOTATION_INJECTED]).toBeUndefined();
    expect(await answered('mutate')).toBe(before);
    const executor = await createPod(NAMESPACE, sparkExecutorPod());
    expect(executor.metadata!.annotations?.[ANNOTATION_INJECTED]).toBeDefined();
    expect(await answered('mutate')).toBe(before + 1);
  });

  it('a pod UPDATE that changes only labels never reaches /validate; one that changes the spec does', async () => {
    const pod = await createPod(NAMESPACE, sparkExecutorPod());
    const name = pod.metadata!.name!;
    // Counted from the webhook's log, this pod's UPDATEs only: its /validate also serves every
    // other opted-in namespace, where an earlier file's controllers may still be updating pods.
    /** /validate's log lines for `operation` on pods whose name starts with `podName`. */
    const validated = (operation: string, podName: string) =>
      webhook
        .logs()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter(
          (l) =>
            l.msg === 'validation' &&
            l.operation === operation &&
            l.namespace === NAMESPACE &&
            String(l.name).startsWith(podName),
        ).length;
    const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    await core().patchNamespacedPod(
      { name, namespace: NAMESPACE, body: { metadata: { labels: { seen: 'yes' } } } },
      merge,
    );
    await core().patchNamespacedPod(
      { name, namespace: NAMESPACE, body: { spec: { activeDeadlineSeconds: 3600 } } },
      merge,
    );
    // Log lines follow the answers, in order: once a later request's line is there, so are the UPDATEs'.
    // (createPod generates a name that starts with the one given.)
    const marker = `${name}-marker`;
    await createPod(
      NAMESPACE,
      { ...sparkExecutorPod(), metadata: { ...sparkExecutorPod().metadata, name: marker } },
      'All',
    );
    await waitFor(async () => validated('CREATE', marker) === 1, 'a later request in the webhook log');
    expect(validated('UPDATE', name)).toBe(1);
  });
});
