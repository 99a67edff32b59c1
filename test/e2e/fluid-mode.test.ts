// Fluid mode on the real control plane: the webhook (with --kubeconfig) watches real
// AlluxioRuntime and Dataset objects (Fluid's CRDs from test/upstream-crds), whose status
// is written through the status subresource as Fluid's controller would.
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
import { cluster, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const HOOK = 'graphdata-fluid';
const NS = 'fluid-mode';
const OTHER = 'fluid-mode-other';
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);
const asAdmin = () => ['--kubeconfig', cluster().kubeconfig];

let webhook: RunningWebhook | undefined;

const executor = (dataset: string): Pod => {
  const pod = sparkExecutorPod();
  pod.metadata = {
    ...pod.metadata,
    name: undefined,
    generateName: `${dataset}-exec-`,
    namespace: NS,
    annotations: { 'graphdata.io/dataset': dataset },
  };
  return pod;
};
const create = (pod: Pod, ...extra: string[]) =>
  kubectl(['create', '-f', '-', '-o', 'json', ...extra, ...asAdmin()], { input: JSON.stringify(pod) });
const javaOptions = (pod: Pod) =>
  pod.spec!.containers[0]!.env!.filter((e) => e.name === 'JAVA_TOOL_OPTIONS').at(-1)?.value ?? '';

function apply(object: object): void {
  const run = kubectl(['apply', '--server-side', '-f', '-', ...asAdmin()], { input: JSON.stringify(object) });
  expect(run.code, run.stderr).toBe(0);
}

/** Writes status through the status subresource, as Fluid's controller does. */
function patchStatus(resource: string, name: string, namespace: string, status: object): void {
  const run = kubectl([
    'patch',
    resource,
    name,
    '-n',
    namespace,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
    ...asAdmin(),
  ]);
  expect(run.code, run.stderr).toBe(0);
}

/** Every field the AlluxioRuntime CRD requires in status, with the master phase given. */
const runtimeStatus = (name: string, masterPhase: string) => ({
  masterPhase,
  workerPhase: masterPhase,
  fusePhase: masterPhase,
  valueFile: `${name}-alluxio-values`,
  currentMasterNumberScheduled: 1,
  desiredMasterNumberScheduled: 1,
  masterNumberReady: masterPhase === 'Ready' ? 1 : 0,
  currentWorkerNumberScheduled: 1,
  desiredWorkerNumberScheduled: 1,
  workerNumberReady: 1,
  currentFuseNumberScheduled: 0,
  desiredFuseNumberScheduled: 0,
  fuseNumberReady: 0,
});

const runtime = (name: string, namespace = NS) => ({
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'AlluxioRuntime',
  metadata: { name, namespace },
  // Host networking (Fluid's default) and no fixed port: Fluid reports the port it picked on the Dataset.
  spec: { replicas: 1, tieredstore: { levels: [{ mediumtype: 'MEM', path: '/dev/shm', quota: '1Gi' }] } },
});
const dataset = (name: string, namespace = NS) => ({
  apiVersion: 'data.fluid.io/v1alpha1',
  kind: 'Dataset',
  metadata: { name, namespace },
  spec: { mounts: [{ mountPoint: `s3://warehouse/${name}`, name }] },
});

beforeAll(async () => {
  await ensureNamespace(NS, { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace(OTHER, { 'graphdata.io/inject': 'enabled' });
  // sales: ready, its port reported on the Dataset. pending: not ready yet.
  // A ready runtime named like the pod's dataset in another namespace must never be used.
  for (const [name, namespace, phase, port] of [
    ['sales', NS, 'Ready', 20345],
    ['pending', NS, 'NotReady', 20346],
    ['pending', OTHER, 'Ready', 20999],
  ] as const) {
    apply(runtime(name, namespace));
    apply(dataset(name, namespace));
    patchStatus('alluxioruntime', name, namespace, runtimeStatus(name, phase));
    patchStatus('dataset', name, namespace, {
      conditions: [],
      phase: 'Bound',
      hcfs: { endpoint: `alluxio://${name}-master-0.${namespace}:${port}` },
    });
  }

  const dir = mkdtempSync(join(tmpdir(), 'gd-fluid-'));
  writeFileSync(
    join(dir, 'policy.json'),
    JSON.stringify({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: 'fluid' },
      // The safety net in Audit here, so a pod whose runtime is not ready is admitted with the warnings.
      spec: { cache: 'fluid', mode: 'Enforce', ruleModes: { 'not-injected': 'Audit' } },
    }),
  );
  webhook = await startDevWebhook(['--policy', join(dir, 'policy.json'), '--kubeconfig', cluster().kubeconfig]);
  const registration = {
    name: HOOK,
    endpoint: { url: webhook.url },
    caBundle: webhook.ca,
    ownNamespace: 'graphdata-system',
  };
  await admission()
    .deleteMutatingWebhookConfiguration({ name: HOOK })
    .catch(() => undefined);
  await admission()
    .deleteValidatingWebhookConfiguration({ name: HOOK })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({ body: mutatingWebhookConfiguration(registration) });
  await admission().createValidatingWebhookConfiguration({ body: validatingWebhookConfiguration(registration) });
  // The apiserver loads webhook configurations, and the webhook its runtimes, through informers.
  await waitFor(async () => {
    const run = create(executor('sales'), '--dry-run=server');
    return run.code === 0 && javaOptions(JSON.parse(run.stdout)).includes('sales-master-0');
  }, 'the webhook and its AlluxioRuntime informer');
});

afterAll(async () => {
  await admission()
    .deleteValidatingWebhookConfiguration({ name: HOOK })
    .catch(() => undefined);
  await admission()
    .deleteMutatingWebhookConfiguration({ name: HOOK })
    .catch(() => undefined);
  await webhook?.stop();
});

describe('cache: fluid through the apiserver', () => {
  it('a pod annotated with a ready dataset gets <name>-master-0.<ns> and the port Fluid reports', () => {
    const run = create(executor('sales'));
    expect(run.code, run.stderr).toBe(0);
    const pod = JSON.parse(run.stdout) as Pod;
    expect(javaOptions(pod)).toContain(
      `-Dalluxio.master.hostname=sales-master-0.${NS} -Dalluxio.master.rpc.port=20345`,
    );
    expect(pod.spec!.initContainers?.[0]?.name).toBe('graphdata-alluxio-client');
    expect(run.stderr).not.toContain('Warning');
  });

  it('a runtime that is not ready: admitted with the warning saying why and what to do, and no master', () => {
    const run = create(executor('pending'));
    expect(run.code, run.stderr).toBe(0);
    const pod = JSON.parse(run.stdout) as Pod;
    expect(javaOptions(pod)).not.toContain('-Dalluxio.master');
    expect(run.stderr).toContain(
      `Warning: graphdata client-config-skipped: Alluxio client config in spark-kubernetes-executor: AlluxioRuntime pending in namespace ${NS} is not ready (status.masterPhase is NotReady)`,
    );
    // The safety net (Audit here) says the same, from the validating webhook.
    expect(run.stderr).toMatch(/Warning: graphdata not-injected: .*missing client-config .*is not ready/);
    // The ready runtime of the same name in the other namespace was not followed.
    expect(javaOptions(pod)).not.toContain(OTHER);
  });

  it('a change to the runtime takes effect for the next pod, without a restart', async () => {
    patchStatus('alluxioruntime', 'pending', NS, runtimeStatus('pending', 'Ready'));
    await waitFor(async () => {
      const run = create(executor('pending'), '--dry-run=server');
      return run.code === 0 && javaOptions(JSON.parse(run.stdout)).includes(`pending-master-0.${NS}`);
    }, 'the runtime to turn Ready in the webhook');
    const run = create(executor('pending'));
    expect(javaOptions(JSON.parse(run.stdout))).toContain(
      `-Dalluxio.master.hostname=pending-master-0.${NS} -Dalluxio.master.rpc.port=20346`,
    );
  });
});
