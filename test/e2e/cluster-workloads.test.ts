// Workloads on the whole e2e cluster: kube-controller-manager makes the pods of Deployments
// and Jobs, kube-scheduler places them, and kwok plays the kubelet of the fake Nodes in
// test/cluster/fake-nodes.ts. The webhook is registered for real (mutating and validating
// configurations from plugin/webhook-objects/registration.ts), so every pod here went through it
// exactly as a controller's pod does in a production cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from '../../plugin/webhook-objects/registration.js';
import { ANNOTATION_INJECTED, ANNOTATION_PROFILE } from '../../policies/model.js';
import { FAKE_NODES } from '../cluster/fake-nodes.js';
import { cluster, createPod, ensureNamespace, installPolicyCrds, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { graphdataAsync, kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const NAME = 'graphdata-workloads';
const OWN_NAMESPACE = 'graphdata-system';
const NS = 'cw-apps';
/** A label no Node of the cluster carries. */
const ABSENT = 'graphdata.io/e2e-no-node-has-this';
const CACHE_NODES = FAKE_NODES.filter((n) => n.labels.alluxio === 'true').map((n) => n.name);

const POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: 'workloads' },
  spec: {
    // The built-in placement (nodeSelector alluxio=true), plus two profiles toward nodes
    // that do not exist: preferred must still run, required must say why it waits.
    profiles: {
      'prefer-absent': { placement: { mode: 'preferred', nodeLabels: { [ABSENT]: 'true' } } },
      'require-absent': { placement: { mode: 'required', nodeLabels: { [ABSENT]: 'true' } } },
    },
  },
};

const kc = () => kubeConfig('admin');
const core = () => kc().makeApiClient(k8s.CoreV1Api);
const apps = () => kc().makeApiClient(k8s.AppsV1Api);
const batch = () => kc().makeApiClient(k8s.BatchV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);

let webhook: RunningWebhook;
let policyFile: string;
const graphdata = (args: string[]) => graphdataAsync(args, cluster().kubeconfig);

/** A spark executor as a pod template: what a Deployment or Job stamps out. */
function executorTemplate(app: string, annotations: Record<string, string> = {}): k8s.V1PodTemplateSpec {
  const pod = sparkExecutorPod();
  const spec = structuredClone(pod.spec!) as k8s.V1PodSpec;
  delete spec.hostname;
  return { metadata: { labels: { ...pod.metadata!.labels, app }, annotations }, spec };
}

async function createDeployment(name: string, replicas: number, annotations?: Record<string, string>) {
  const template = executorTemplate(name, annotations);
  template.spec!.restartPolicy = 'Always'; // the only policy a Deployment takes
  await apps().createNamespacedDeployment({
    namespace: NS,
    body: { metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template } },
  });
}

const podsOf = async (app: string): Promise<k8s.V1Pod[]> =>
  (await core().listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` })).items;

const eventsAbout = async (kind: string, name: string): Promise<k8s.CoreV1Event[]> =>
  (
    await core().listNamespacedEvent({
      namespace: NS,
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    })
  ).items;

async function registerMutating(url: string): Promise<void> {
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({
    body: mutatingWebhookConfiguration({
      name: NAME,
      endpoint: { url },
      caBundle: webhook.ca,
      ownNamespace: OWN_NAMESPACE,
    }),
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-workloads-'));
  policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(POLICY));
  installPolicyCrds();
  webhook = await startDevWebhook(['--policy', policyFile]);
  await ensureNamespace(NS, { 'graphdata.io/inject': 'enabled' });
  await registerMutating(webhook.url);
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createValidatingWebhookConfiguration({
    body: validatingWebhookConfiguration({
      name: NAME,
      endpoint: { url: webhook.url },
      caBundle: webhook.ca,
      ownNamespace: OWN_NAMESPACE,
    }),
  });
  // The apiserver loads webhook configurations through an informer.
  await waitFor(
    async () =>
      (await createPod(NS, sparkExecutorPod(), 'All')).metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined,
    'the mutating webhook',
  );
}, 120_000);

afterAll(async () => {
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  // The namespace controller empties it: Deployments, Jobs, their pods (kwok removes them).
  await core()
    .deleteNamespace({ name: NS })
    .catch(() => undefined);
  await webhook?.stop();
});

describe('pods made by controllers come back injected and placed on the cache nodes', () => {
  it('a Deployment: every replica injected, Running on a node labelled alluxio=true', async () => {
    await createDeployment('exec-deploy', 2);
    await waitFor(
      async () =>
        (await apps().readNamespacedDeployment({ name: 'exec-deploy', namespace: NS })).status?.availableReplicas === 2,
      'the Deployment to have 2 available replicas',
      60_000,
    );
    const pods = await podsOf('exec-deploy');
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata?.annotations?.[ANNOTATION_INJECTED], pod.metadata?.name).toBeDefined();
      expect(pod.spec!.initContainers?.[0]?.name).toBe('graphdata-alluxio-client');
      expect(pod.spec!.nodeSelector).toEqual({ alluxio: 'true' });
      expect(CACHE_NODES).toContain(pod.spec!.nodeName);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
    }
  });

  it('a Job: its pod injected, run on a cache node, and the Job completes', async () => {
    await batch().createNamespacedJob({
      namespace: NS,
      body: { metadata: { name: 'exec-job' }, spec: { backoffLimit: 0, template: executorTemplate('exec-job') } },
    });
    await waitFor(
      async () =>
        Boolean(
          (await batch().readNamespacedJob({ name: 'exec-job', namespace: NS })).status?.conditions?.some(
            (c) => c.type === 'Complete' && c.status === 'True',
          ),
        ),
      'the Job to complete',
      60_000,
    );
    const [pod, ...more] = await podsOf('exec-job');
    expect(more).toEqual([]);
    expect(pod!.metadata?.annotations?.[ANNOTATION_INJECTED]).toBeDefined();
    expect(pod!.spec!.initContainers?.[0]?.name).toBe('graphdata-alluxio-client');
    expect(CACHE_NODES).toContain(pod!.spec!.nodeName);
    expect(pod!.status?.phase).toBe('Succeeded');
  });
});

describe('placement toward nodes that do not exist', () => {
  it('preferred: the pod is injected with the preference and still runs, on some node', async () => {
    await createDeployment('exec-prefer', 1, { [ANNOTATION_PROFILE]: 'prefer-absent' });
    await waitFor(
      async () => (await podsOf('exec-prefer')).some((p) => p.status?.phase === 'Running'),
      'the preferred-placement pod to run',
      60_000,
    );
    const [pod] = await podsOf('exec-prefer');
    const preferred = pod!.spec!.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    // Profile labels merge into the policy's: one preferred term asks for both.
    expect(preferred.flatMap((t) => t.preference.matchExpressions?.map((e) => e.key))).toEqual(['alluxio', ABSENT]);
    expect(pod!.spec!.nodeSelector?.alluxio).toBeUndefined();
    expect(FAKE_NODES.map((n) => n.name)).toContain(pod!.spec!.nodeName);
  });

  it('required: the pod waits Pending, and the scheduler says no node matches its affinity', async () => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { [ANNOTATION_PROFILE]: 'require-absent' };
    const created = await createPod(NS, pod);
    const name = created.metadata!.name!;
    const required = created.spec!.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    expect(required?.nodeSelectorTerms[0]?.matchExpressions).toContainEqual({
      key: ABSENT,
      operator: 'In',
      values: ['true'],
    });
    let stored: k8s.V1Pod | undefined;
    await waitFor(async () => {
      stored = await core().readNamespacedPod({ name, namespace: NS });
      return Boolean(stored.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
    }, 'the scheduler to mark the pod Unschedulable');
    expect(stored!.status?.phase).toBe('Pending');
    expect(stored!.spec?.nodeName).toBeUndefined();
    const scheduling = stored!.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
    expect(scheduling.message).toMatch(/didn't match Pod's node affinity\/selector/);
  });
});

describe('the safety net holds for controller-made pods (mutating webhook down)', () => {
  beforeAll(async () => {
    // Nothing listens on port 9 of loopback: every call to the mutating webhook fails at
    // once, and its failurePolicy Ignore lets the pod through uninjected.
    await registerMutating('https://127.0.0.1:9');
    await waitFor(async () => {
      try {
        await createPod(NS, sparkExecutorPod(), 'All');
        return false;
      } catch (error) {
        return String((error as k8s.ApiException<unknown>).body).includes('not-injected');
      }
    }, 'the mutating webhook outage to show');
  });
  afterAll(() => registerMutating(webhook.url));

  it('a Deployment gets FailedCreate and a ReplicaFailure condition, never an uninjected pod', async () => {
    await createDeployment('exec-outage', 2);
    let rsName = '';
    await waitFor(async () => {
      const sets = await apps().listNamespacedReplicaSet({ namespace: NS, labelSelector: 'app=exec-outage' });
      const rs = sets.items[0];
      rsName = rs?.metadata?.name ?? '';
      return Boolean(rs?.status?.conditions?.some((c) => c.type === 'ReplicaFailure' && c.status === 'True'));
    }, 'the ReplicaSet to report ReplicaFailure');
    const rs = await apps().readNamespacedReplicaSet({ name: rsName, namespace: NS });
    const failure = rs.status!.conditions!.find((c) => c.type === 'ReplicaFailure')!;
    expect(failure.reason).toBe('FailedCreate');
    expect(failure.message).toMatch(/error not-injected: spark-executor pod was not injected .*missing client-jar/);
    const events = await eventsAbout('ReplicaSet', rsName);
    expect(events.some((e) => e.reason === 'FailedCreate' && /not-injected/.test(e.message ?? ''))).toBe(true);
    expect(await podsOf('exec-outage')).toEqual([]);
    const deployment = await apps().readNamespacedDeployment({ name: 'exec-outage', namespace: NS });
    expect(deployment.status?.availableReplicas ?? 0).toBe(0);
  });

  it('a Job gets FailedCreate events, never an uninjected pod', async () => {
    await batch().createNamespacedJob({
      namespace: NS,
      body: {
        metadata: { name: 'exec-job-outage' },
        spec: { backoffLimit: 0, template: executorTemplate('exec-job-outage') },
      },
    });
    await waitFor(
      async () =>
        (await eventsAbout('Job', 'exec-job-outage')).some(
          (e) => e.reason === 'FailedCreate' && /not-injected/.test(e.message ?? ''),
        ),
      'a FailedCreate event on the Job',
    );
    expect(await podsOf('exec-job-outage')).toEqual([]);
  });
});

describe('a policy that asks for required placement says so', () => {
  it('the apiserver answers the policy with a warning naming the profile and its labels', () => {
    const run = kubectl(['create', '--dry-run=server', '-f', '-', '--kubeconfig', cluster().kubeconfig], {
      input: JSON.stringify({ ...POLICY, metadata: { name: 'workloads-warned' } }),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      `Warning: graphdata placement-required: pods of profile require-absent wait Pending unless a node is labelled alluxio=true,${ABSENT}=true (placement.mode required)`,
    );
    // The preferred profile strands nothing: no warning about it.
    expect(run.stderr).not.toContain('prefer-absent');
  });

  it('doctor: the cache nodes are found, and the profile no node can take is a ✗ with a fix', async () => {
    const run = await graphdata(['doctor', '--webhook-namespace', NS, '--policy', policyFile, '-o', 'json']);
    const checks = (
      JSON.parse(run.stdout) as { checks: { name: string; ok: boolean; detail: string; hint?: string }[] }
    ).checks;
    expect(checks.find((c) => c.name === 'Alluxio nodes')).toMatchObject({
      ok: true,
      detail:
        '2 node(s) labelled alluxio=true; placement.mode nodeSelector: the pods the webhook places (executors, CN, engines) run on these nodes only',
    });
    expect(checks.find((c) => c.name === 'profile placement')).toMatchObject({
      ok: false,
      detail: `no node matches the required placement of profile require-absent (placement.mode required, alluxio=true,${ABSENT}=true): its pods stay Pending`,
    });
  });
});

describe('install in the cluster, where kwok makes the webhook pods Ready without running them', () => {
  const INSTALL_NS = 'cw-graphdata-system';
  const registration = async () =>
    admission()
      .readMutatingWebhookConfiguration({ name: 'graphdata' })
      .catch(() => undefined);

  beforeAll(async () => {
    // This file's own registration would inject the self-test's pod and pass it: take it away.
    for (const remove of [
      () => admission().deleteMutatingWebhookConfiguration({ name: NAME }),
      () => admission().deleteValidatingWebhookConfiguration({ name: NAME }),
    ])
      await remove().catch(() => undefined);
    await waitFor(
      async () =>
        (await createPod(NS, sparkExecutorPod(), 'All')).metadata?.annotations?.[ANNOTATION_INJECTED] === undefined,
      'the apiserver to drop this file’s webhook registration',
    );
  });
  afterAll(async () => {
    await graphdata(['uninstall', '--webhook-namespace', INSTALL_NS]);
  });

  it('the rollout wait sees both replicas available; the self-test then finds nobody serving and rolls back', async () => {
    expect(await registration()).toBeUndefined();
    const run = await graphdata([
      'install',
      '--webhook-namespace',
      INSTALL_NS,
      '--image',
      'registry.example/graphdata-webhook:e2e', // kwok runs no container, so none is pulled
      '--timeout',
      '60',
      '--self-test-timeout',
      '5',
    ]);
    // The rollout wait read the Deployment status the real deployment controller wrote.
    expect(run.stdout).toMatch(/^rollout: 2\/2 updated, 2\/2 available$/m);
    const pods = (await core().listNamespacedPod({ namespace: INSTALL_NS })).items;
    const seen = JSON.stringify(
      pods.map((p) => [p.metadata?.name, p.status?.phase, p.status?.conditions, p.metadata?.deletionTimestamp]),
    );
    expect(
      pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')),
      `${seen}\n${run.stdout}\n${run.stderr}`,
    ).toHaveLength(2);
    // No process answers behind the Service: the self-test catches what readiness did not.
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: self-test failed: the dry-run pod was not injected/);
    expect(run.stdout).toMatch(
      /MutatingWebhookConfiguration\/graphdata: removed \(there was none before this install\)/,
    );
    expect(await registration()).toBeUndefined();
  }, 180_000);
});
