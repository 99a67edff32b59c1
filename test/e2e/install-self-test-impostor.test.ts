// install's self-test is not fooled by a `graphdata.io/injected` annotation it did not
// write (plugin/install/probe-proof.ts), on the real apiserver: another mutating webhook
// writing the annotation while graphdata is down, or answering at the registered URL,
// fails the self-test and rolls the registration back; beside a working graphdata it passes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { cluster, kubeConfig, waitFor } from '../cluster/kube.js';
import { type Impostor, startImpostor } from '../support/impostor-webhook.js';
import { graphdataAsync } from '../support/kubectl.js';
import { type RunningWebhook, startWebhook } from '../support/spawn-webhook.js';

const NS = 'gd-impostor-system';
const IMPOSTOR = 'gd-impostor';
// Named like install's probe namespaces, the only ones the impostor's registration matches.
const WAIT_NS = 'graphdata-self-test-impostor-wait';
const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

let impostor: Impostor;
let webhook: RunningWebhook;
let dir: string;

/** A port nothing listens on: graphdata down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const registered = async () =>
  admission()
    .readMutatingWebhookConfiguration({ name: 'graphdata' })
    .then(
      () => true,
      () => false,
    );

/** A second MutatingWebhookConfiguration, sorted before graphdata's, calling the impostor. */
async function registerImpostor(): Promise<void> {
  await admission().createMutatingWebhookConfiguration({
    body: {
      metadata: { name: IMPOSTOR },
      webhooks: [
        {
          name: 'annotate.gd-impostor.example.com',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          clientConfig: { url: `${impostor.url}/mutate`, caBundle: Buffer.from(impostor.ca).toString('base64') },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          namespaceSelector: { matchLabels: { 'graphdata.io/inject': 'enabled' } },
          objectSelector: { matchExpressions: [{ key: 'spark-role', operator: 'Exists' }] },
          matchConditions: [
            { name: 'self-test-namespaces', expression: "request.namespace.startsWith('graphdata-self-test-')" },
          ],
        },
      ],
    },
  });
  // The apiserver loads registrations through an informer: go on once it calls the impostor.
  await waitFor(async () => {
    const pod = await core().createNamespacedPod({
      namespace: WAIT_NS,
      body: {
        metadata: { generateName: 'wait-', labels: { 'spark-role': 'executor' } },
        spec: { containers: [{ name: 'x', image: 'apache/spark:3.5.1' }] },
      },
      dryRun: 'All',
    });
    return pod.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  }, 'the apiserver to call the impostor webhook');
}

const unregisterImpostor = () =>
  admission()
    .deleteMutatingWebhookConfiguration({ name: IMPOSTOR })
    .catch(() => undefined);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gd-impostor-'));
  impostor = await startImpostor();
  writeFileSync(join(dir, 'impostor-ca.crt'), impostor.ca);
  webhook = await startWebhook(['--port', '0', '--dev-cert-dir', join(dir, 'certs')], 60_000);
  await core()
    .createNamespace({ body: { metadata: { name: WAIT_NS, labels: { 'graphdata.io/inject': 'enabled' } } } })
    .catch(() => undefined);
}, 120_000);

afterAll(async () => {
  await unregisterImpostor();
  await graphdata(['uninstall', '--webhook-namespace', NS]);
  await core()
    .deleteNamespace({ name: WAIT_NS })
    .catch(() => undefined);
  await webhook?.stop();
  await impostor?.stop();
});

describe('the self-test proves graphdata injected the pod', () => {
  it('fails when graphdata is down and another webhook writes the annotation', async () => {
    await registerImpostor();
    try {
      const calls = impostor.calls();
      const run = await graphdata([
        'install',
        '--webhook-namespace',
        NS,
        '--webhook-url',
        `https://127.0.0.1:${await closedPort()}`,
        '--ca-file',
        join(certDir(), 'ca.crt'),
        '--self-test-timeout',
        '3',
      ]);
      expect(run.code, run.stdout).toBe(1);
      expect(run.stdout).not.toMatch(/self-test passed/);
      // The probe did come back annotated: the impostor answered it.
      expect(impostor.calls()).toBeGreaterThan(calls);
      expect(run.stderr).toMatch(/✗ port/);
      expect(run.stderr).toMatch(
        /✗ injection: .*came back with the graphdata\.io\/injected annotation but without what graphdata injects for it/,
      );
      expect(run.stderr).toMatch(/spec\.initContainers: missing/);
      expect(run.stderr).toMatch(/kubectl get mutatingwebhookconfigurations/);
      expect(run.stdout).toMatch(/MutatingWebhookConfiguration\/graphdata: removed/);
      expect(await registered()).toBe(false);
    } finally {
      await unregisterImpostor();
    }
  }, 120_000);

  it('fails when what answers at --webhook-url only writes the annotation', async () => {
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      NS,
      '--webhook-url',
      impostor.url,
      '--ca-file',
      join(dir, 'impostor-ca.crt'),
      '--self-test-timeout',
      '3',
    ]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).not.toMatch(/self-test passed/);
    // Reachable and trusted: only the injection itself is wrong.
    expect(run.stderr).toMatch(/✓ port/);
    expect(run.stderr).toMatch(/✓ caBundle/);
    expect(run.stderr).toMatch(/✗ injection: .*but without what graphdata injects for it/);
    expect(await registered()).toBe(false);
  }, 120_000);

  it('passes with graphdata working beside another webhook that writes the annotation', async () => {
    await registerImpostor();
    try {
      const run = await graphdata([
        'install',
        '--webhook-namespace',
        NS,
        '--webhook-url',
        webhook.url,
        '--ca-file',
        join(certDir(), 'ca.crt'),
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/self-test passed: the pod came back injected/);
      // This webhook reads no cluster: the built-in policy allows pod-level opt-in nowhere.
      expect(run.stdout).toContain(
        'self-test: pod-level opt-in not tested: ClusterGraphDataPolicy/default (built-in) allows it in no namespace (spec.podOptIn)',
      );
    } finally {
      await unregisterImpostor();
    }
  }, 120_000);
});

const certDir = () => join(dir, 'certs');
