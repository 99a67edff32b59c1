// Pod-level opt-in (issue 21): a pod labelled graphdata.io/inject=enabled in a namespace
// that is not opted in is served by the pod-level registration entries, where the cluster
// policy's spec.podOptIn allows it. Tried as the tenant: setting the label where it is not
// allowed, allowing it by labelling the namespace, dodging enforcement with it, taking it
// off a running pod, padding the pod so the admission worker answers it, and `kubectl
// debug` on a labelled pod. Each case fails on a webhook without the pod-level gate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../policies/k8s.js';
import { cluster, waitFor } from '../../cluster/kube.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import {
  adminKubectl,
  expectDenied,
  type GuardedCluster,
  guardedCluster,
  podIn,
  tenantCreate,
  tenantKubectl,
  tenantNamespaces,
} from './tenant.js';

const HOOK = 'sec-pod-opt-in';
const ALLOWED = 'sec-pod-opt-in-allowed';
const NOT_ALLOWED = 'sec-pod-opt-in-denied';
const OPTED_IN = 'sec-pod-opt-in-ns';
const GATE = 'sec.graphdata.io/pod-opt-in';

const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: HOOK },
  spec: {
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io', 'registry.internal'] },
    podOptIn: { namespaceSelector: { matchLabels: { [GATE]: 'yes' } } },
  },
};

/** A Spark executor, labelled to opt in by itself unless `label` is null. */
const executor = (label: string | null = 'enabled', image = 'docker.io/apache/spark:3.5.1'): Pod => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.image = image;
  const labels = { ...pod.metadata?.labels };
  if (label === null) delete labels['graphdata.io/inject'];
  else labels['graphdata.io/inject'] = label;
  pod.metadata = { ...pod.metadata, labels };
  return pod;
};
const QUAY = 'quay.io/acme/spark:3.5.1';

/** The executor padded past the webhook's large-body threshold (256 KiB), so its admission worker answers it. */
const padded = (pod: Pod): Pod => {
  const main = pod.spec!.containers[0]!;
  main.env = [
    ...(main.env ?? []),
    ...Array.from({ length: 3_000 }, (_, i) => ({ name: `PAD_${i}`, value: 'abcdefghij'.repeat(10) })),
  ];
  return pod;
};

const clusterReady = async () => {
  const run = adminKubectl(['get', 'clustergraphdatapolicy', HOOK, '-o', 'json']);
  if (run.code !== 0) return false;
  const ready = (JSON.parse(run.stdout).status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  return ready?.status === 'True';
};

const deniedByPodEntry = (run: ReturnType<typeof tenantCreate>, code: string) => {
  expect(run.code, run.stdout).toBe(1);
  expect(run.stderr).toContain(`admission webhook "validate-pods.${HOOK}.graphdata.io" denied the request`);
  expect(run.stderr).toContain(`error ${code}`);
};
const initContainers = (pod: Pod) => (pod.spec?.initContainers ?? []).map((c) => c.name);

let guarded: GuardedCluster;

beforeAll(async () => {
  await tenantNamespaces([OPTED_IN]);
  await tenantNamespaces([NOT_ALLOWED], {});
  await tenantNamespaces([ALLOWED], { [GATE]: 'yes' });
  const created = adminKubectl(['apply', '-f', '-'], CLUSTER_POLICY);
  expect(created.code, created.stderr).toBe(0);
  guarded = await guardedCluster({
    name: HOOK,
    clusterPolicy: CLUSTER_POLICY,
    deniedProbe: podIn(executor(null, QUAY), OPTED_IN),
  });
  await waitFor(clusterReady, `ClusterGraphDataPolicy ${HOOK} in effect`);
  // The pod-level entry is loaded by the apiserver's informer with the other: wait for its denial too.
  await waitFor(async () => {
    const run = tenantCreate(podIn(executor(), NOT_ALLOWED), '--dry-run=server');
    return run.code !== 0 && run.stderr.includes(`validate-pods.${HOOK}.graphdata.io`);
  }, 'the pod-level validating entry');
}, 120_000);

afterAll(async () => {
  await guarded?.stop();
  adminKubectl(['delete', 'clustergraphdatapolicy', HOOK, '--ignore-not-found']);
  for (const ns of [ALLOWED, NOT_ALLOWED, OPTED_IN])
    adminKubectl(['delete', 'pods', '--all', '-n', ns, '--wait=false', '--ignore-not-found']);
});

describe('pod-level opt-in, as the tenant', () => {
  it('where the cluster policy allows it, a labelled pod comes back injected, once', () => {
    const run = tenantCreate(podIn(executor(), ALLOWED));
    expect(run.code, run.stderr).toBe(0);
    const pod = JSON.parse(run.stdout) as Pod;
    expect(pod.metadata?.annotations?.['graphdata.io/injected']).toContain(`ClusterGraphDataPolicy/${HOOK}`);
    expect(initContainers(pod)).toEqual(['graphdata-alluxio-client']);
  });

  it('where it is not allowed, the label gets a denial naming the policy and the fix, not an uninjected pod', () => {
    const run = tenantCreate(podIn(executor(), NOT_ALLOWED));
    deniedByPodEntry(run, 'pod-opt-in-not-allowed');
    expect(run.stderr).toContain(`only in namespaces matching ${GATE}=yes`);
    expect(run.stderr).toContain('remove the label graphdata.io/inject=enabled');
  });

  it('the tenant cannot allow it by labelling their namespace (or opt the namespace in)', () => {
    for (const label of [`${GATE}=yes`, 'graphdata.io/inject=enabled']) {
      const run = tenantKubectl(['label', 'namespace', NOT_ALLOWED, label]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/forbidden/i);
    }
  });

  it('the label is no way around enforcement where it is allowed: the rules deny as in an opted-in namespace', () => {
    expectDenied(tenantCreate(podIn(executor(null, QUAY), OPTED_IN)), HOOK, 'registry-not-allowed');
    deniedByPodEntry(tenantCreate(podIn(executor('enabled', QUAY), ALLOWED)), 'registry-not-allowed');
    // Opting out by pod label in an opted-in namespace skips injection, never validation.
    expectDenied(tenantCreate(podIn(executor('false', QUAY), OPTED_IN)), HOOK, 'registry-not-allowed');
  });

  it('in an opted-in namespace the label changes nothing: served by the namespace entry alone, injected once', () => {
    const run = tenantCreate(podIn(executor(), OPTED_IN));
    expect(run.code, run.stderr).toBe(0);
    expect(initContainers(JSON.parse(run.stdout) as Pod)).toEqual(['graphdata-alluxio-client']);
  });

  it('the label cannot be taken off (or changed on) a running pod to leave the validating entry', () => {
    const created = tenantCreate(podIn(executor(), ALLOWED));
    expect(created.code, created.stderr).toBe(0);
    const name = (JSON.parse(created.stdout) as Pod).metadata!.name!;
    for (const change of ['graphdata.io/inject-', 'graphdata.io/inject=false']) {
      const run = tenantKubectl(['label', 'pod', name, '-n', ALLOWED, '--overwrite', change]);
      expect(run.code, run.stdout).toBe(1);
      expect(run.stderr).toContain(`validate-pods.${HOOK}.graphdata.io`);
      expect(run.stderr).toContain('pod-opt-in-label-removed');
    }
    const after = tenantKubectl(['get', 'pod', name, '-n', ALLOWED, '-o', 'json']);
    expect(JSON.parse(after.stdout).metadata.labels['graphdata.io/inject']).toBe('enabled');
  });

  it('a pod padded past the large-body threshold gets the same denials, from the admission worker', () => {
    expect(JSON.stringify(padded(executor())).length).toBeGreaterThan(256 * 1024);
    deniedByPodEntry(tenantCreate(podIn(padded(executor()), NOT_ALLOWED)), 'pod-opt-in-not-allowed');
    deniedByPodEntry(tenantCreate(podIn(padded(executor('enabled', QUAY)), ALLOWED)), 'registry-not-allowed');
    const run = tenantCreate(podIn(padded(executor()), ALLOWED));
    expect(run.code, run.stderr).toBe(0);
    expect(initContainers(JSON.parse(run.stdout) as Pod)).toEqual(['graphdata-alluxio-client']);
  });

  describe('once the platform grants pods/ephemeralcontainers (a common debugging role)', () => {
    beforeAll(() => {
      const role = adminKubectl([
        'create',
        'role',
        'tenant-debug',
        '-n',
        ALLOWED,
        '--verb=get,patch,update',
        '--resource=pods/ephemeralcontainers',
      ]);
      expect(role.code, role.stderr).toBe(0);
      const binding = adminKubectl([
        'create',
        'rolebinding',
        'tenant-debug',
        '-n',
        ALLOWED,
        '--role=tenant-debug',
        `--user=${cluster().tenantUser}`,
      ]);
      expect(binding.code, binding.stderr).toBe(0);
    });
    afterAll(() => {
      adminKubectl(['delete', 'rolebinding,role', 'tenant-debug', '-n', ALLOWED, '--ignore-not-found']);
    });

    it('kubectl debug on a pod that opted in by its label is judged: a forbidden registry is denied', () => {
      const created = tenantCreate(podIn(executor(), ALLOWED));
      expect(created.code, created.stderr).toBe(0);
      const name = (JSON.parse(created.stdout) as Pod).metadata!.name!;
      const debug = (image: string, container: string) =>
        tenantKubectl(['debug', `pod/${name}`, '-n', ALLOWED, `--image=${image}`, `--container=${container}`]);
      const denied = debug('ghcr.io/attacker/miner:1', 'miner');
      deniedByPodEntry(denied, 'registry-not-allowed');
      expect(denied.stderr).toContain('spec.ephemeralContainers[0].image');
      const added = debug('docker.io/library/busybox:1.36', 'dbg');
      expect(added.code, added.stderr).toBe(0);
    });
  });
});
