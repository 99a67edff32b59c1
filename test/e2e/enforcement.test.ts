// Enforcement on the real control plane: the ValidatingWebhookConfiguration from
// plugin/webhook-objects/registration.ts, pods and policies created through kube-apiserver and kubectl.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { cluster, ensureNamespace, installPolicyCrds, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const NAME = 'graphdata-enforce';
const OWN_NAMESPACE = 'graphdata-system';
const TENANT = 'enforce-tenant';
const PLAIN = 'enforce-plain';
const kc = () => kubeConfig('admin');
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const kubeconfigFlag = () => ['--kubeconfig', cluster().kubeconfig];

const POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: 'enforce' },
  spec: {
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io', 'registry.internal'], maxExecutorCores: 2 },
    ruleModes: { 'executor-cores-over-limit': 'Audit' },
  },
};

// A process of its own (kubectl runs synchronously here, which would stall an in-process server).
let webhook: RunningWebhook;
let url: string;
let ca: string;

const podJson = (pod: Pod, namespace: string) =>
  JSON.stringify({
    ...pod,
    metadata: { ...pod.metadata, name: undefined, generateName: `${pod.metadata?.name ?? 'pod'}-`, namespace },
  });
const kubectlCreate = (pod: Pod, namespace: string, ...extra: string[]) =>
  kubectl(['create', '-f', '-', '-o', 'json', ...extra, ...kubeconfigFlag()], { input: podJson(pod, namespace) });

const quayExecutor = (): Pod => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.image = 'quay.io/acme/spark:3.5.1';
  return pod;
};

async function registerMutating(endpoint: string): Promise<void> {
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({
    body: mutatingWebhookConfiguration({
      name: NAME,
      endpoint: { url: endpoint },
      caBundle: ca,
      ownNamespace: OWN_NAMESPACE,
    }),
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-enforce-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY));
  webhook = await startDevWebhook(['--policy', join(dir, 'policy.json')]);
  ({ url, ca } = webhook);

  installPolicyCrds();

  await ensureNamespace(TENANT, { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace(PLAIN);
  await registerMutating(url);
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createValidatingWebhookConfiguration({
    body: validatingWebhookConfiguration({ name: NAME, endpoint: { url }, caBundle: ca, ownNamespace: OWN_NAMESPACE }),
  });
  // The apiserver loads webhook configurations through an informer: wait until a denial shows.
  await waitFor(
    async () => kubectlCreate(quayExecutor(), TENANT, '--dry-run=server').code !== 0,
    'the validating webhook',
  );
});

afterAll(async () => {
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await ensureNamespace('kube-system', { 'graphdata.io/inject': null });
  await webhook?.stop();
});

describe('enforcement through the apiserver', () => {
  it('kubectl shows the Enforce message, with the field path, and nothing is created', () => {
    const run = kubectlCreate(quayExecutor(), TENANT);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`admission webhook "validate.${NAME}.graphdata.io" denied the request`);
    expect(run.stderr).toContain(
      'error registry-not-allowed: image quay.io/acme/spark:3.5.1 comes from quay.io, which the policy does not allow (spec.containers[0].image)',
    );
  });

  it('kubectl shows Audit findings as warnings, and the pod is created, injected', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.env!.push({ name: 'SPARK_EXECUTOR_CORES', value: '4' });
    const run = kubectlCreate(pod, TENANT);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(
      /Warning: graphdata executor-cores-over-limit: executor cores 4 exceed the policy maximum of 2/,
    );
    expect(JSON.parse(run.stdout).spec.initContainers[0].name).toBe('graphdata-alluxio-client');
  });

  it('a pod labelled graphdata.io/inject=false is not injected, and still denied for breaking a limit', () => {
    const pod = quayExecutor();
    pod.metadata!.labels!['graphdata.io/inject'] = 'false';
    const run = kubectlCreate(pod, TENANT);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error registry-not-allowed');
    const clean = sparkExecutorPod();
    clean.metadata!.labels!['graphdata.io/inject'] = 'false';
    const ok = kubectlCreate(clean, TENANT);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).spec.initContainers).toBeUndefined();
  });

  it('a policy with a misspelt rule code is rejected by the apiserver', () => {
    const run = kubectl(['create', '-f', '-', ...kubeconfigFlag()], {
      input: JSON.stringify({
        apiVersion: 'graphdata.io/v1alpha1',
        kind: 'GraphDataPolicy',
        metadata: { name: 'typo', namespace: TENANT },
        spec: { ruleModes: { 'registry-not-alowed': 'Audit' } },
      }),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/spec.ruleModes: Invalid value.*keys must be rule codes/);
  });
});

describe('with the mutating webhook down (failurePolicy Ignore), the safety net', () => {
  beforeAll(async () => {
    await ensureNamespace('kube-system', { 'graphdata.io/inject': 'enabled' });
    // Nothing listens on port 9 of loopback: every call to the mutating webhook fails at once.
    await registerMutating('https://127.0.0.1:9');
    await waitFor(async () => {
      const run = kubectlCreate(sparkExecutorPod(), TENANT, '--dry-run=server');
      return run.code !== 0 && run.stderr.includes('not-injected');
    }, 'the mutating webhook outage to show');
  });

  it('rejects workload pods in opted-in namespaces, saying what is missing', () => {
    const run = kubectlCreate(sparkExecutorPod(), TENANT);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error not-injected: spark-executor pod was not injected .*missing client-jar/);
  });

  it('rejects a forged graphdata.io/injected annotation with nothing injected', () => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = {
      'graphdata.io/injected': JSON.stringify({
        policy: 'ClusterGraphDataPolicy/default',
        generation: 1,
        workload: 'spark-executor',
        containers: ['spark-kubernetes-executor'],
        mutators: ['client-jar', 'client-config', 'domain-socket', 'placement'],
      }),
    };
    const run = kubectlCreate(pod, TENANT);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error not-injected');
  });

  it('leaves namespaces that did not opt in alone, and kube-system even when labelled', () => {
    for (const namespace of [PLAIN, 'kube-system']) {
      const run = kubectlCreate(sparkExecutorPod(), namespace, '--dry-run=server');
      expect(run.code, `${namespace}: ${run.stderr}`).toBe(0);
    }
  });
});
