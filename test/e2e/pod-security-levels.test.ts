// Injected pods stay admissible at every PodSecurity level, on every version of the matrix
// (`npm run test:matrix`): a namespace per level, each workload with either client-jar
// delivery, created through the webhook and stored by the real apiserver. Baseline
// forbids `host` in probes and lifecycle hooks since 1.34; graphdata adds neither (the
// unit test pod-security-fields.test.ts checks every pod shape). Native sidecars: the
// stored pod keeps our copy before them, as an ordinary init container.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED, ANNOTATION_PROFILE } from '../../policies/model.js';
import { cluster, createPod, ensureNamespace, kubeConfig, waitFor } from '../cluster/kube.js';
import { graphscopeEnginePod, nativeSidecarExecutorPod, sparkExecutorPod, starrocksCnPod } from '../fixtures/pods.js';
import { startWebhook, type RunningWebhook } from '../support/spawn-webhook.js';

const NAME = 'graphdata-pss-levels';
const OPT_IN = { 'graphdata.io/inject': 'enabled' };
const LEVELS = ['privileged', 'baseline', 'restricted'] as const;
const ns = (level: string) => `pss-${level}`;
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);

// The built-in policy, and a profile that mounts the jar from the Alluxio image instead.
const POLICY = `apiVersion: graphdata.io/v1alpha1
kind: ClusterGraphDataPolicy
metadata: {name: pss-levels}
spec:
  profiles:
    image-volume:
      alluxio: {clientJar: {delivery: imageVolume}}
`;

const WORKLOADS: [string, () => Pod][] = [
  ['Spark executor', sparkExecutorPod],
  ['Spark executor with native sidecars', nativeSidecarExecutorPod],
  ['StarRocks CN', starrocksCnPod],
  ['GraphScope engine', graphscopeEnginePod],
];

let webhook: RunningWebhook;

beforeAll(async () => {
  await ensureNamespace('pss-probe', OPT_IN);
  for (const level of LEVELS)
    await ensureNamespace(ns(level), { ...OPT_IN, 'pod-security.kubernetes.io/enforce': level });
  const dir = mkdtempSync(join(tmpdir(), 'gd-pss-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  webhook = await startWebhook([
    '--port',
    '0',
    '--dev-cert-dir',
    join(dir, 'certs'),
    '--policy',
    join(dir, 'policy.yaml'),
    '--kubeconfig',
    cluster().kubeconfig,
  ]);
  expect(webhook.logs()).toContain('namespace labels synced');
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await admission().createMutatingWebhookConfiguration({
    body: mutatingWebhookConfiguration({
      name: NAME,
      endpoint: { url: `${webhook.url}/mutate` },
      caBundle: webhook.ca,
      ownNamespace: 'graphdata-system',
    }),
  });
  await waitFor(async () => {
    const probe = await createPod('pss-probe', sparkExecutorPod(), 'All');
    return probe.metadata?.annotations?.[ANNOTATION_INJECTED] !== undefined;
  }, `webhook ${NAME} to take effect`);
});

afterAll(async () => {
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  await webhook?.stop();
});

/** The pod made to pass PodSecurity restricted on its own (every container, sidecars included). */
function restrictedCompliant(pod: Pod): Pod {
  pod.spec!.securityContext = { runAsNonRoot: true, runAsUser: 185, seccompProfile: { type: 'RuntimeDefault' } };
  for (const c of [...pod.spec!.containers, ...(pod.spec!.initContainers ?? [])])
    c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  return pod;
}

const withProfile = (pod: Pod, profile: string | undefined): Pod => {
  if (profile) pod.metadata!.annotations = { ...pod.metadata!.annotations, [ANNOTATION_PROFILE]: profile };
  return pod;
};

describe(`PodSecurity levels on ${cluster().version ?? 'the default version'}`, () => {
  for (const level of LEVELS) {
    for (const [workload, make] of WORKLOADS) {
      for (const delivery of ['initContainer', 'imageVolume'] as const) {
        it(`${level}: an injected ${workload} (client jar by ${delivery}) is stored`, async () => {
          const input = withProfile(make(), delivery === 'imageVolume' ? 'image-volume' : undefined);
          // privileged and baseline: the pod as tenants write it; restricted asks the pod itself to comply.
          const stored = await createPod(ns(level), level === 'restricted' ? restrictedCompliant(input) : input);
          const record = JSON.parse(stored.metadata!.annotations![ANNOTATION_INJECTED]!) as { mutators: string[] };
          expect(record.mutators).toContain('client-config');
          if (workload === 'GraphScope engine') return; // no JVM client jar for GraphScope
          expect(record.mutators).toContain('client-jar');
          const jarVolume = stored.spec!.volumes!.find((v) => v.name === 'graphdata-alluxio-client')!;
          const inits = (stored.spec!.initContainers ?? []).map((c) => c.name);
          if (delivery === 'imageVolume') {
            expect(jarVolume.image?.reference).toBe('alluxio/alluxio:2.9.4');
            expect(inits).not.toContain('graphdata-alluxio-client');
          } else {
            expect(jarVolume.emptyDir).toEqual({});
            expect(inits).toContain('graphdata-alluxio-client');
          }
          // The socket's hostPath only where PodSecurity allows it.
          expect(stored.spec!.volumes!.some((v) => v.hostPath)).toBe(level === 'privileged');
        });
      }
    }
  }
});

describe('native sidecars in the stored pod', () => {
  it('our copy runs after the ordinary init container and before the sidecars, never as one', async () => {
    const stored = await createPod(ns('restricted'), restrictedCompliant(nativeSidecarExecutorPod()));
    const inits = stored.spec!.initContainers!;
    expect(inits.map((c) => [c.name, c.restartPolicy])).toEqual([
      ['fetch-deps', undefined],
      ['graphdata-alluxio-client', undefined],
      ['log-shipper', 'Always'],
      ['jvm-metrics', 'Always'],
    ]);
    // Not a target: the JVM sidecar keeps its own options and gets no Alluxio mounts.
    const jvm = inits.find((c) => c.name === 'jvm-metrics')!;
    expect(jvm.env).toEqual([{ name: 'JAVA_TOOL_OPTIONS', value: '-Xmx64m' }]);
    expect(jvm.volumeMounts ?? []).toEqual([]);
  });
});
