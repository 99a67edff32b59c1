// doctor checks every entry of the webhook configurations, the pod-level ones included,
// on the real apiserver: with the pod-level mutating entry deleted, a labelled pod in a
// namespace the cluster policy's podOptIn allows is no longer injected, and doctor says
// so, naming the entry and the namespace; install again restores it, and doctor is ✓.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, kubeConfig, waitFor } from '../cluster/kube.js';
import { graphdataAsync } from '../support/kubectl.js';
import { httpsCall } from '../support/webhook-client.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';

const NS = 'gd-doctor-reg-system';
const POLICY = 'gd-doctor-reg';
const POD_NS = 'gd-doctor-reg-pods';
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const custom = () => kc().makeApiClient(k8s.CustomObjectsApi);
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

let webhook: RunningWebhook;
let certDir: string;

const install = () =>
  graphdata(['install', '--webhook-namespace', NS, '--webhook-url', webhook.url, '--ca-file', join(certDir, 'ca.crt')]);

async function registrationRow(): Promise<{ ok: boolean; detail: string; hint?: string }> {
  const run = await graphdata(['doctor', '--webhook-namespace', NS, '-o', 'json']);
  const report = JSON.parse(run.stdout) as { checks: { name: string; ok: boolean; detail: string; hint?: string }[] };
  const row = report.checks.find((c) => c.name === 'registration');
  expect(row, run.stdout).toBeDefined();
  return row!;
}

/** A Spark executor labelled to opt in by itself, in a namespace that is not opted in: injected? */
const labelledPodInjected = async (): Promise<boolean> => {
  const pod = await core().createNamespacedPod({
    namespace: POD_NS,
    body: {
      metadata: { generateName: 'exec-', labels: { 'spark-role': 'executor', 'graphdata.io/inject': 'enabled' } },
      spec: {
        containers: [
          {
            name: 'spark-kubernetes-executor',
            image: 'apache/spark:3.5.1',
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
          },
        ],
      },
    },
    dryRun: 'All',
  });
  return pod.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
};

beforeAll(async () => {
  certDir = join(mkdtempSync(join(tmpdir(), 'gd-doctor-reg-')), 'certs');
  // It reads the cluster policy, as an installed webhook does: podOptIn comes from there.
  webhook = await startWebhook(
    ['--port', '0', '--dev-cert-dir', certDir, '--kubeconfig', cluster().kubeconfig],
    60_000,
  );
  const run = await install();
  expect(run.code, run.stdout + run.stderr).toBe(0);
  await core().createNamespace({ body: { metadata: { name: POD_NS, labels: { 'gd-doctor-reg': 'pods' } } } });
  await custom().createClusterCustomObject({
    group: 'graphdata.io',
    version: 'v1alpha1',
    plural: 'clustergraphdatapolicies',
    body: {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: POLICY },
      spec: { podOptIn: { namespaceSelector: { matchLabels: { 'gd-doctor-reg': 'pods' } } } },
    },
  });
  await waitFor(
    async () => (await httpsCall(`${webhook.url}/version`, webhook.ca)).body.includes(POLICY),
    'the webhook to use the policy that allows pod-level opt-in',
    60_000,
  );
  await waitFor(labelledPodInjected, 'a labelled pod to be injected through the pod-level entry', 30_000);
}, 180_000);

afterAll(async () => {
  await custom()
    .deleteClusterCustomObject({
      group: 'graphdata.io',
      version: 'v1alpha1',
      plural: 'clustergraphdatapolicies',
      name: POLICY,
    })
    .catch(() => undefined);
  await graphdata(['uninstall', '--webhook-namespace', NS]);
  await core()
    .deleteNamespace({ name: POD_NS })
    .catch(() => undefined);
  await webhook?.stop();
});

describe('doctor checks the pod-level registration entries', () => {
  it('is ✓ for what install registered', async () => {
    const row = await registrationRow();
    expect(row.ok, row.detail).toBe(true);
    expect(row.detail).toMatch(/the 5 entries of both webhook configurations are as install registers them/);
  });

  it('names a deleted pod-level entry and the namespaces it leaves unserved; install restores it', async () => {
    const config = await admission().readMutatingWebhookConfiguration({ name: 'graphdata' });
    const index = config.webhooks!.findIndex((h) => h.name.startsWith('inject-pods.'));
    expect(index).toBeGreaterThan(-1);
    await admission().patchMutatingWebhookConfiguration(
      { name: 'graphdata', body: [{ op: 'remove', path: `/webhooks/${index}` }] },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    // The consequence is real: the apiserver no longer sends the labelled pod to graphdata's
    // injection, and the pod-level validating entry's safety net refuses it uninjected.
    await waitFor(
      () =>
        labelledPodInjected().then(
          () => false,
          (error: unknown) => /was not injected as/.test(String((error as { body?: unknown }).body)),
        ),
      'the labelled pod to be refused uninjected',
    );

    const row = await registrationRow();
    expect(row.ok).toBe(false);
    expect(row.detail).toContain(
      'MutatingWebhookConfiguration graphdata entry inject-pods.graphdata.graphdata.io: missing',
    );
    expect(row.detail).toContain(
      `pods labelled graphdata.io/inject=enabled in ${POD_NS} (podOptIn of ClusterGraphDataPolicy ${POLICY}) are not injected (the safety net denies them while it enforces not-injected)`,
    );
    expect(row.hint).toMatch(/run `kubectl graphdata install` again/);

    const again = await install();
    expect(again.code, again.stdout + again.stderr).toBe(0);
    // With podOptIn on, install's self-test proves the pod-level entries too.
    expect(again.stdout).toContain(
      `self-test: pod-level opt-in: a pod labelled graphdata.io/inject=enabled in a namespace that is not opted in and that spec.podOptIn of ClusterGraphDataPolicy/${POLICY} selects came back injected too`,
    );
    expect((await registrationRow()).ok).toBe(true);
    await waitFor(labelledPodInjected, 'the labelled pod to be injected again');
  }, 120_000);

  it('install fails its self-test when a labelled pod in a podOptIn namespace is refused, and rolls back', async () => {
    // A ValidatingAdmissionPolicy (in the apiserver) refusing pod-level opt-in in install's probe namespaces.
    const vap = 'gd-doctor-reg-deny-pod-level';
    await admission().createValidatingAdmissionPolicy({
      body: {
        metadata: { name: vap },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
          },
          validations: [
            {
              expression:
                "!request.namespace.startsWith('graphdata-self-test-pods-') || !has(object.metadata.labels) || !('graphdata.io/inject' in object.metadata.labels)",
              message: 'no pod-level opt-in here',
            },
          ],
        },
      },
    });
    await admission().createValidatingAdmissionPolicyBinding({
      body: { metadata: { name: vap }, spec: { policyName: vap, validationActions: ['Deny'] } },
    });
    try {
      // Give the apiserver's informer time to load the policy: its deny is final, so one try each.
      let run = await install();
      for (let i = 0; i < 10 && run.code === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        run = await install();
      }
      expect(run.code, run.stdout).toBe(1);
      expect(run.stderr).toMatch(/✗ pod-level injection: the self-test pod was refused .*no pod-level opt-in here/);
      expect(run.stderr).toMatch(/kubectl graphdata doctor` names a missing or edited pod-level entry/);
      expect(run.stdout).toMatch(/putting the webhook registration back as it was/);
      // The namespace-level probe passed first, and its namespace is gone like the pod-level one.
      const left = (await core().listNamespace()).items.filter(
        (n) => n.metadata?.name?.startsWith('graphdata-self-test-') && !n.metadata.deletionTimestamp,
      );
      expect(left.map((n) => n.metadata?.name)).toEqual([]);
    } finally {
      await admission()
        .deleteValidatingAdmissionPolicyBinding({ name: vap })
        .catch(() => undefined);
      await admission()
        .deleteValidatingAdmissionPolicy({ name: vap })
        .catch(() => undefined);
    }
  }, 120_000);

  it('names a pod-level validating entry edited to fail open and to skip the label', async () => {
    const config = await admission().readValidatingWebhookConfiguration({ name: 'graphdata' });
    const index = config.webhooks!.findIndex((h) => h.name.startsWith('validate-pods.'));
    await admission().patchValidatingWebhookConfiguration(
      {
        name: 'graphdata',
        body: [
          { op: 'replace', path: `/webhooks/${index}/failurePolicy`, value: 'Ignore' },
          { op: 'replace', path: `/webhooks/${index}/objectSelector`, value: {} },
        ],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    const row = await registrationRow();
    expect(row.ok).toBe(false);
    expect(row.detail).toContain(
      'ValidatingWebhookConfiguration graphdata entry validate-pods.graphdata.graphdata.io: differs from what install registers in objectSelector, failurePolicy (Ignore, while validate.graphdata.graphdata.io has Fail)',
    );
  }, 120_000);
});
