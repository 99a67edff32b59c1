// A failed install never leaves the cluster worse than it found it: it registers with
// failurePolicy Ignore until its self-test has passed through the apiserver, and on any
// failure puts the webhook registration back as it was (or removes it when there was
// none), so pods in opted-in namespaces keep being created. Each failure path on the
// real control plane: unreachable URL, self-test denied by an admission policy, rollout
// timeout (a quota lets no pod be created), wrong CA over a working install;
// and the self-test passing under a policy that requires resources.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import { graphdataAsync } from '../support/kubectl.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';
import { httpsCall } from '../support/webhook-client.js';

const NS = 'gd-rollback-system';
const OPTED_IN = 'gd-rollback-tenant';
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

let webhook: RunningWebhook;
let certDir: string;

beforeAll(async () => {
  certDir = join(mkdtempSync(join(tmpdir(), 'gd-rollback-')), 'certs');
  webhook = await startWebhook(['--port', '0', '--dev-cert-dir', certDir], 60_000);
  await core()
    .createNamespace({ body: { metadata: { name: OPTED_IN, labels: { 'graphdata.io/inject': 'enabled' } } } })
    .catch(() => undefined);
}, 120_000);

afterAll(async () => {
  await graphdata(['uninstall', '--webhook-namespace', NS]);
  await webhook?.stop();
});

const registrations = async () => ({
  mutating: await admission()
    .readMutatingWebhookConfiguration({ name: 'graphdata' })
    .catch(() => undefined),
  validating: await admission()
    .readValidatingWebhookConfiguration({ name: 'graphdata' })
    .catch(() => undefined),
});

/** How many dry-run pods the webhook has mutated (its /metrics): one per self-test attempt. */
async function dryRunMutations(): Promise<number> {
  const metrics = (await httpsCall(`${webhook.url}/metrics`, webhook.ca)).body;
  return [...metrics.matchAll(/^graphdata_admission_requests_total\{([^}]*)\} (\d+)$/gm)]
    .filter(([, labels]) => labels!.includes('webhook="mutate"') && labels!.includes('dry_run="true"'))
    .reduce((sum, [, , count]) => sum + Number(count), 0);
}

/** What `kubectl run x --image=nginx` does in an opted-in namespace: it must be admitted. */
async function plainPodAdmitted(): Promise<void> {
  await core().createNamespacedPod({
    namespace: OPTED_IN,
    body: { metadata: { generateName: 'plain-' }, spec: { containers: [{ name: 'x', image: 'nginx:1.27' }] } },
    dryRun: 'All',
  });
}

describe('a first install that fails removes what it registered', () => {
  it('an unreachable --webhook-url: exit 1, no configuration left, pods still created', async () => {
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
    expect(run.stderr).toMatch(/error: self-test failed/);
    expect(run.stderr).toMatch(/retried for up to 5 s; --self-test-timeout sets how long/);
    expect(run.stdout).toMatch(
      /ValidatingWebhookConfiguration\/graphdata: removed \(there was none before this install\)/,
    );
    expect(run.stdout).toMatch(/MutatingWebhookConfiguration\/graphdata: removed/);
    expect(await registrations()).toEqual({ mutating: undefined, validating: undefined });
    await plainPodAdmitted();
  }, 120_000);

  it('a self-test denied by a strict admission policy: exit 1, no configuration left', async () => {
    // A ValidatingAdmissionPolicy (in the apiserver, no webhook) that refuses Spark pods.
    const vap = 'gd-rollback-deny-spark';
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
              expression: "!has(object.metadata.labels) || !('spark-role' in object.metadata.labels)",
              message: 'no Spark pods here',
            },
          ],
        },
      },
    });
    await admission().createValidatingAdmissionPolicyBinding({
      body: { metadata: { name: vap }, spec: { policyName: vap, validationActions: ['Deny'] } },
    });
    try {
      // The apiserver loads admission policies through an informer: install only once it denies.
      await waitFor(
        () =>
          core()
            .createNamespacedPod({
              namespace: OPTED_IN,
              body: {
                metadata: { generateName: 'vap-probe-', labels: { 'spark-role': 'executor' } },
                spec: { containers: [{ name: 'x', image: 'apache/spark:3.5.1' }] },
              },
              dryRun: 'All',
            })
            .then(
              () => false,
              (error: unknown) => /no Spark pods here/.test(String((error as { body?: unknown }).body)),
            ),
        'the ValidatingAdmissionPolicy to deny Spark pods',
      );
      const reviewsBefore = await dryRunMutations();
      const run = await graphdata([
        'install',
        '--webhook-namespace',
        NS,
        '--webhook-url',
        webhook.url,
        '--ca-file',
        join(certDir, 'ca.crt'),
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/✗ admission: .*not retried.*no Spark pods here/);
      // A denial that will not change fails at once: the probe pod was sent once at most
      // (none when the apiserver had not yet loaded the registration), not for 30 s.
      expect((await dryRunMutations()) - reviewsBefore).toBeLessThanOrEqual(1);
      expect(run.stderr).toMatch(/error: self-test failed/);
      expect(run.stdout).toMatch(
        /ValidatingWebhookConfiguration\/graphdata: removed \(there was none before this install\)/,
      );
      expect(await registrations()).toEqual({ mutating: undefined, validating: undefined });
      await plainPodAdmitted();
    } finally {
      await admission()
        .deleteValidatingAdmissionPolicyBinding({ name: vap })
        .catch(() => undefined);
      await admission()
        .deleteValidatingAdmissionPolicy({ name: vap })
        .catch(() => undefined);
    }
  }, 120_000);

  it('an in-cluster install whose rollout times out (a quota of 0 pods): the same', async () => {
    // kwok would make the webhook's pods Ready at once; a quota lets no pod be created at all.
    await ensureNamespace(NS);
    await core().createNamespacedResourceQuota({
      namespace: NS,
      body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
    });
    let run: Awaited<ReturnType<typeof graphdata>>;
    try {
      run = await graphdata([
        'install',
        '--webhook-namespace',
        NS,
        '--image',
        'registry.example/gd:e2e',
        '--timeout',
        '3',
      ]);
    } finally {
      await core().deleteNamespacedResourceQuota({ name: 'no-pods', namespace: NS });
    }
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: the webhook did not become ready/);
    expect(run.stdout).toMatch(/ValidatingWebhookConfiguration\/graphdata: removed/);
    expect(run.stdout).toMatch(/stay for inspection .*kubectl graphdata uninstall/);
    expect(await registrations()).toEqual({ mutating: undefined, validating: undefined });
    await plainPodAdmitted();
    expect((await graphdata(['uninstall', '--webhook-namespace', NS])).code).toBe(0);
  }, 120_000);
});

describe('over a working install', () => {
  const install = (ca: string, ...more: string[]) =>
    graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--webhook-url',
      webhook.url,
      '--ca-file',
      ca,
      '--failure-policy',
      'Fail',
      ...more,
    ]);

  it('a passing install ends with the validating webhook failing closed, and says so', async () => {
    const run = await install(join(certDir, 'ca.crt'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/registered: the validating webhook now fails closed/);
    const { mutating, validating } = await registrations();
    expect(validating?.webhooks?.map((w) => w.failurePolicy)).toEqual(validating?.webhooks?.map(() => 'Fail'));
    expect(mutating?.webhooks?.[0]?.failurePolicy).toBe('Fail');
  }, 120_000);

  it('a wrong --ca-file: the previous, working registration comes back, and pods are still injected', async () => {
    const before = await registrations();
    const other = join(certDir, '..', 'other');
    expect((await graphdata(['certs', 'generate', '--out', other])).code).toBe(0);
    const run = await install(join(other, 'ca.crt'), '--self-test-timeout', '5');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/ValidatingWebhookConfiguration\/graphdata: restored as it was before this install/);
    const after = await registrations();
    for (const kind of ['mutating', 'validating'] as const) {
      expect(after[kind]?.webhooks?.map((w) => [w.failurePolicy, w.clientConfig.caBundle])).toEqual(
        before[kind]?.webhooks?.map((w) => [w.failurePolicy, w.clientConfig.caBundle]),
      );
    }
    const pod = await core().createNamespacedPod({
      namespace: OPTED_IN,
      body: {
        metadata: { generateName: 'exec-', labels: { 'spark-role': 'executor' } },
        spec: { containers: [{ name: 'spark-kubernetes-executor', image: 'apache/spark:3.5.1' }] },
      },
      dryRun: 'All',
    });
    expect(pod.metadata?.annotations?.[ANNOTATION_INJECTED]).toBeDefined();
  }, 120_000);

  it('the self-test pod passes a cluster policy that requires requests and limits', async () => {
    const policyFile = join(certDir, '..', 'strict.yaml');
    writeFileSync(
      policyFile,
      'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: strict}\n' +
        'spec: {mode: Enforce, limits: {requireResources: true}}\n',
    );
    const strict = await startWebhook(['--port', '0', '--dev-cert-dir', certDir, '--policy', policyFile], 60_000);
    try {
      // Not told the webhook's policy file, install cannot know what it injects: it says so.
      const blind = await graphdata([
        'install',
        '--webhook-namespace',
        NS,
        '--webhook-url',
        strict.url,
        '--ca-file',
        join(certDir, 'ca.crt'),
      ]);
      expect(blind.code).toBe(1);
      expect(blind.stderr).toContain(`✗ policy: the webhook injects with the policy file ${policyFile} (its --policy)`);
      expect(blind.stderr).toContain(`fix: pass the same file: install --policy ${policyFile}`);
      const run = await graphdata([
        'install',
        '--webhook-namespace',
        NS,
        '--webhook-url',
        strict.url,
        '--ca-file',
        join(certDir, 'ca.crt'),
        // What the webhook injects with: the self-test checks the pod against it.
        '--policy',
        policyFile,
      ]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(/self-test passed/);
    } finally {
      await strict.stop();
    }
  }, 120_000);
});
