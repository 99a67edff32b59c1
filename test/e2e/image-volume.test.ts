// The client jar as an image volume (alluxio.clientJar.delivery: imageVolume) on the real
// apiserver of the version under test: the webhook finds out at start that the cluster
// serves image volumes, the stored pod has the volume and its mount and no init container,
// PodSecurity `restricted` and the safety net admit it, and creating it again changes nothing. No kubelet
// runs here: that the runtime mounts the jar is not shown, only what the apiserver stores.
import { mkdtempSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageVolumeSupport } from '../../common/image-volumes.js';
import {
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from '../../plugin/webhook-objects/registration.js';
import { policyCrds } from '../../policies/policy-crds.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED } from '../../policies/model.js';
import { ControlPlane } from '../cluster/control-plane.js';
import { ensureBinaries } from '../cluster/global-setup.js';
import { cluster, createPod, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod, starrocksCnPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { startWebhook, type RunningWebhook } from '../support/spawn-webhook.js';
import { answeredRequests } from '../support/webhook-requests.js';

const NAME = 'graphdata-image-volume';
const OPT_IN = { 'graphdata.io/inject': 'enabled' };
const RESTRICTED = 'iv-restricted';
const PROBE = 'iv-probe';
const POLICY_FILE = join(import.meta.dirname, '..', 'fixtures', 'policies', 'image-volume.yaml');
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);

let webhook: RunningWebhook;

beforeAll(async () => {
  await ensureNamespace(PROBE, OPT_IN);
  await ensureNamespace(RESTRICTED, { ...OPT_IN, 'pod-security.kubernetes.io/enforce': 'restricted' });
  const dir = mkdtempSync(join(tmpdir(), 'gd-image-volume-'));
  webhook = await startWebhook([
    '--port',
    '0',
    '--dev-cert-dir',
    join(dir, 'certs'),
    '--policy',
    POLICY_FILE,
    '--kubeconfig',
    cluster().kubeconfig,
  ]);
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  const registration = {
    name: NAME,
    endpoint: { url: webhook.url },
    caBundle: webhook.ca,
    ownNamespace: 'graphdata-system',
  };
  await admission().createMutatingWebhookConfiguration({ body: mutatingWebhookConfiguration(registration) });
  // The safety net too (fails closed): every pod below must also pass it.
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createValidatingWebhookConfiguration({ body: validatingWebhookConfiguration(registration) });
  await waitFor(async () => {
    const probe = await createPod(PROBE, sparkExecutorPod(), 'All');
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

/** A pod that passes PodSecurity restricted on its own. */
function restrictedCompliant(pod: Pod): Pod {
  pod.spec!.securityContext = { runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } };
  for (const c of pod.spec!.containers)
    c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return pod;
}

/** Created with the real kubectl as the admin, in the restricted namespace: the stored pod and the warnings. */
function create(pod: Pod): { pod: Pod; stderr: string } {
  pod.metadata = { ...pod.metadata, name: undefined, generateName: `${pod.metadata?.name ?? 'pod'}-` };
  const run = kubectl(['create', '-n', RESTRICTED, '-o', 'json', '-f', '-'], {
    kubeconfig: cluster().kubeconfig,
    input: JSON.stringify(pod),
  });
  expect(run.code, run.stderr).toBe(0);
  return { pod: JSON.parse(run.stdout) as Pod, stderr: run.stderr };
}

describe(`client jar as an image volume on ${cluster().version ?? 'the default version'}`, () => {
  it('the webhook finds that the cluster serves image volumes, and says why', async () => {
    expect(webhook.logs()).toMatch(
      /"supported":true,"reason":"v1\.3\d\.\d+: (image volumes are GA|the ImageVolume feature gate is on)"/,
    );
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${webhook.url}/version`, { ca: webhook.ca }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect((JSON.parse(body) as { imageVolumes?: { supported: boolean } }).imageVolumes?.supported).toBe(true);
  });

  it('a Spark executor under PodSecurity restricted is stored with the image volume and its mount, no init container', () => {
    const { pod } = create(restrictedCompliant(sparkExecutorPod()));
    expect(pod.spec!.initContainers ?? []).toEqual([]);
    const volume = pod.spec!.volumes!.find((v) => v.name === 'graphdata-alluxio-client')!;
    expect(volume.emptyDir).toBeUndefined();
    expect(volume.image?.reference).toBe('alluxio/alluxio:2.9.4');
    // Defaulted by the apiserver, as for a container image with a tag.
    expect(volume.image?.pullPolicy).toBe('IfNotPresent');
    expect(pod.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-client',
      mountPath: '/opt/graphdata/alluxio-client',
      subPath: 'opt/alluxio/client',
      readOnly: true,
    });
  });

  it('a StarRocks CN pod under PodSecurity restricted gets the jar file mounted from the image', () => {
    const { pod } = create(restrictedCompliant(starrocksCnPod()));
    expect(pod.spec!.initContainers ?? []).toEqual([]);
    expect(pod.spec!.containers[0]!.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-client',
      mountPath: '/opt/starrocks/cn/lib/hadoop/hdfs/alluxio-2.9.4-client.jar',
      subPath: 'opt/alluxio/client/alluxio-2.9.4-client.jar',
      readOnly: true,
    });
  });

  it('creating the stored pod again changes nothing: the same volumes, mounts and containers', async () => {
    const validatedBefore = await answeredRequests(webhook, 'validate');
    const created = create(restrictedCompliant(sparkExecutorPod()));
    const first = created.pod;
    const again: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'again', labels: first.metadata!.labels! },
      spec: structuredClone(first.spec!),
    };
    const second = create(again);
    // The same warnings (the socket's hostPath, which restricted forbids), nothing about the jar.
    expect(second.stderr).toBe(created.stderr);
    expect(second.stderr).not.toContain('client-jar');
    const shape = (p: Pod) => ({
      volumes: p.spec!.volumes,
      containers: p.spec!.containers,
      initContainers: p.spec!.initContainers,
      nodeSelector: p.spec!.nodeSelector,
    });
    expect(shape(second.pod)).toEqual(shape(first));
    // Both went through the safety net (fails closed), which took the image volume for the jar.
    expect(await answeredRequests(webhook, 'validate')).toBe(validatedBefore + 2);
  });

  it('doctor says the cluster serves image volumes, for the policy that uses them', () => {
    const run = kubectl(['graphdata', 'doctor', '-o', 'json', '--policy', POLICY_FILE], {
      kubeconfig: cluster().kubeconfig,
    });
    const checks = (JSON.parse(run.stdout) as { checks: { name: string; ok: boolean; detail: string }[] }).checks;
    expect(checks.find((c) => c.name === 'image volumes')).toEqual({
      name: 'image volumes',
      ok: true,
      detail: expect.stringMatching(/^v1\.3\d\.\d+: .*; the client jar can be mounted from the Alluxio image$/),
    });
  });
});

// Only 1.35 can turn the gate off (1.36 locks it on): there, a second apiserver of the
// same build with ImageVolume=false, to show the fallback where it applies.
if (cluster().version?.startsWith('v1.35.')) {
  describe('v1.35 with the ImageVolume feature gate turned off', () => {
    let off: ControlPlane;
    let offWebhook: RunningWebhook;
    const offAdmin = () => off.kubeConfig('admin');
    const offKubectl = (args: string[], input?: string) =>
      kubectl([...args, '--kubeconfig', off.info.kubeconfig], input === undefined ? {} : { input });

    beforeAll(async () => {
      off = await ControlPlane.start({
        ...(await ensureBinaries()),
        apiserverArgs: ['--feature-gates=ImageVolume=false'],
      });
      const crds = offKubectl(
        ['apply', '--server-side', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: policyCrds() }),
      );
      expect(crds.code, crds.stderr).toBe(0);
      await offAdmin()
        .makeApiClient(k8s.CoreV1Api)
        .createNamespace({ body: { metadata: { name: 'iv-off', labels: OPT_IN } } });
      const dir = mkdtempSync(join(tmpdir(), 'gd-image-volume-off-'));
      offWebhook = await startWebhook([
        '--port',
        '0',
        '--dev-cert-dir',
        join(dir, 'certs'),
        '--policy',
        POLICY_FILE,
        '--kubeconfig',
        off.info.kubeconfig,
      ]);
      const api = offAdmin().makeApiClient(k8s.AdmissionregistrationV1Api);
      const registration = {
        name: NAME,
        endpoint: { url: offWebhook.url },
        caBundle: offWebhook.ca,
        ownNamespace: 'graphdata-system',
      };
      await api.createMutatingWebhookConfiguration({ body: mutatingWebhookConfiguration(registration) });
      await api.createValidatingWebhookConfiguration({ body: validatingWebhookConfiguration(registration) });
    }, 180_000);

    afterAll(async () => {
      await offWebhook?.stop();
      await off?.stop();
    });

    it('that apiserver silently drops an image volume and its mounts: why the webhook must know', () => {
      const pod = sparkExecutorPod();
      pod.metadata!.name = 'opted-out';
      pod.metadata!.labels!['graphdata.io/inject'] = 'false';
      pod.spec!.volumes!.push({ name: 'jar', image: { reference: 'alluxio/alluxio:2.9.4' } });
      pod.spec!.containers[0]!.volumeMounts!.push({ name: 'jar', mountPath: '/opt/jar', readOnly: true });
      const run = offKubectl(['create', '-n', 'iv-off', '-o', 'json', '-f', '-'], JSON.stringify(pod));
      expect(run.code, run.stderr).toBe(0);
      const stored = JSON.parse(run.stdout) as Pod;
      expect(stored.spec!.volumes!.map((v) => v.name)).toEqual(['spark-local-dir-1']);
      expect(stored.spec!.containers[0]!.volumeMounts!.map((m) => m.name)).not.toContain('jar');
    });

    it('doctor and the webhook read the gate as off from the apiserver metrics', async () => {
      expect(await imageVolumeSupport(offAdmin())).toEqual({
        supported: false,
        reason: `${cluster().version}: the ImageVolume feature gate is off`,
      });
      expect(offWebhook.logs()).toContain('"supported":false,"reason":"v1.35.');
    });

    it('an executor is injected with the init container instead, stored, and told why', async () => {
      await waitFor(async () => {
        const probe = (await offAdmin()
          .makeApiClient(k8s.CoreV1Api)
          .createNamespacedPod({
            namespace: 'iv-off',
            body: { ...sparkExecutorPod(), metadata: { ...sparkExecutorPod().metadata, name: 'probe' } } as k8s.V1Pod,
            dryRun: 'All',
          })) as Pod;
        return probe.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
      }, 'the webhook on the gate-off apiserver to take effect');
      const run = offKubectl(['create', '-n', 'iv-off', '-o', 'json', '-f', '-'], JSON.stringify(sparkExecutorPod()));
      expect(run.code, run.stderr).toBe(0);
      const pod = JSON.parse(run.stdout) as Pod;
      expect(pod.spec!.initContainers!.map((c) => c.name)).toEqual(['graphdata-alluxio-client']);
      expect(pod.spec!.volumes).toContainEqual({ name: 'graphdata-alluxio-client', emptyDir: {} });
      expect(run.stderr).toContain('does not serve image volumes');
    });
  });
}
