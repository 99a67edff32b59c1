// Escapes through pod UPDATE and pod subresources, tried by a tenant with `edit` in their own
// opted-in namespace on the real control plane (issue 17): `kubectl set image` to a registry
// the policy forbids, `kubectl debug` with such an image, an in-place resize over the
// executor limit. What the apiserver itself refuses (a hostPath added by an UPDATE) is shown
// too, so the registration relies on it knowingly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../policies/k8s.js';
import { cluster, ensureNamespace, waitFor } from '../../cluster/kube.js';
import {
  adminKubectl,
  expectDenied,
  type GuardedCluster,
  guardedCluster,
  OPT_IN,
  podIn,
  tenantCreate,
  tenantKubectl,
  tenantNamespaces,
} from './tenant.js';

const HOOK = 'sec-update';
/** The tenant's namespace, opted in throughout. */
const TEAM = 'sec-update-team';
/** Opted in only after a pod the policy forbids was stored there ("before the policy tightened"). */
const LATE = 'sec-update-late';

const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: HOOK },
  spec: {
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io', 'registry.internal'], maxExecutorCores: 4 },
  },
};

/** A pod no workload matches (never injected): what it names is what it runs. */
const plainPod = (image = 'registry.internal/tools/busybox:1.36', labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'plain', labels },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] },
});

/** Creates `pod` in `namespace` as the tenant; returns its generated name. */
const stored = (pod: Pod, namespace: string): string => {
  const run = tenantCreate(podIn(pod, namespace));
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout).metadata.name;
};

const imagesOf = (name: string, namespace: string): string[] => {
  const pod = JSON.parse(adminKubectl(['get', 'pod', name, '-n', namespace, '-o', 'json']).stdout) as Pod;
  return [...pod.spec!.containers, ...(pod.spec!.ephemeralContainers ?? [])].map((c) => c.image!);
};

let guarded: GuardedCluster;

beforeAll(async () => {
  await tenantNamespaces([TEAM]);
  await tenantNamespaces([LATE], { 'graphdata.io/inject': null });
  guarded = await guardedCluster({
    name: HOOK,
    clusterPolicy: CLUSTER_POLICY,
    deniedProbe: podIn(plainPod('quay.io/probe/x:1'), TEAM),
  });
});

afterAll(async () => {
  for (const namespace of [TEAM, LATE]) {
    adminKubectl(['delete', 'rolebinding', 'tenant-debug', '-n', namespace, '--ignore-not-found']);
    adminKubectl(['delete', 'role', 'tenant-debug', '-n', namespace, '--ignore-not-found']);
    adminKubectl(['delete', 'pods', '--all', '-n', namespace, '--wait=false']);
  }
  await guarded?.stop();
});

describe('kubectl set image on a stored pod', () => {
  it('to a registry the policy forbids is denied, and the stored image stays', () => {
    const name = stored(plainPod(), TEAM);
    const run = tenantKubectl(['set', 'image', `pod/${name}`, 'main=ghcr.io/attacker/miner:1', '-n', TEAM]);
    expectDenied(run, HOOK, 'registry-not-allowed');
    expect(run.stderr).toContain('image ghcr.io/attacker/miner:1 comes from ghcr.io');
    expect(imagesOf(name, TEAM)).toEqual(['registry.internal/tools/busybox:1.36']);
    // An allowed image is still set: the UPDATE is judged, not refused.
    const allowed = tenantKubectl(['set', 'image', `pod/${name}`, 'main=docker.io/library/busybox:1.37', '-n', TEAM]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(imagesOf(name, TEAM)).toEqual(['docker.io/library/busybox:1.37']);
  });

  it('a pod stored before its namespace came under the policy keeps taking label updates, not a new image', async () => {
    const name = stored(plainPod('quay.io/legacy/app:1'), LATE);
    await ensureNamespace(LATE, OPT_IN);
    await waitFor(async () => {
      const probe = tenantCreate(podIn(plainPod('quay.io/probe/x:1'), LATE), '--dry-run=server');
      return probe.code !== 0 && probe.stderr.includes(`validate.${HOOK}.graphdata.io`);
    }, `${LATE} under the webhook`);
    const label = tenantKubectl(['label', `pod/${name}`, 'tier=batch', '-n', LATE]);
    expect(label.code, label.stderr).toBe(0);
    const annotate = tenantKubectl(['annotate', `pod/${name}`, 'owner=team', '-n', LATE]);
    expect(annotate.code, annotate.stderr).toBe(0);
    const image = tenantKubectl(['set', 'image', `pod/${name}`, 'main=quay.io/legacy/app:2', '-n', LATE]);
    expectDenied(image, HOOK, 'registry-not-allowed');
    expect(imagesOf(name, LATE)).toEqual(['quay.io/legacy/app:1']);
  });

  it('a hostPath cannot be added by an UPDATE: the apiserver refuses any change to spec.volumes', () => {
    const name = stored(plainPod(), TEAM);
    const patch = { spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }] } };
    const run = tenantKubectl(['patch', `pod/${name}`, '-n', TEAM, '--type=merge', '-p', JSON.stringify(patch)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pod updates may not change fields other than');
    expect(run.stderr).not.toContain(`validate.${HOOK}.graphdata.io`);
  });
});

describe('kubectl debug (pods/ephemeralcontainers) and in-place resize (pods/resize)', () => {
  it('edit alone grants neither subresource', () => {
    const name = stored(plainPod(), TEAM);
    const debug = tenantKubectl(['debug', `pod/${name}`, '-n', TEAM, '--image=docker.io/library/busybox:1.36']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('pods/ephemeralcontainers');
    expect(debug.stderr).toContain('forbidden');
    for (const sub of ['ephemeralcontainers', 'resize'])
      expect(tenantKubectl(['auth', 'can-i', 'patch', 'pods', `--subresource=${sub}`, '-n', TEAM]).stdout.trim()).toBe(
        'no',
      );
  });

  it('nor the subresources the webhook is not sent: status (nodeName, phase) and binding (placement)', () => {
    // Placement is injected as node affinity; a binding of the tenant's own would bypass it.
    for (const [verb, sub] of [
      ['patch', 'status'],
      ['update', 'status'],
      ['create', 'binding'],
    ] as const)
      expect(
        tenantKubectl(['auth', 'can-i', verb, 'pods', `--subresource=${sub}`, '-n', TEAM]).stdout.trim(),
        `${verb} pods/${sub}`,
      ).toBe('no');
    const name = stored(plainPod(), TEAM);
    const bound = tenantKubectl(['create', '--raw', `/api/v1/namespaces/${TEAM}/pods/${name}/binding`, '-f', '-'], {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name },
      target: { apiVersion: 'v1', kind: 'Node', name: 'anywhere' },
    });
    expect(bound.code).toBe(1);
    expect(bound.stderr).toMatch(/forbidden/i);
  });

  describe('once the platform grants them (a common debugging role)', () => {
    beforeAll(() => {
      const role = adminKubectl([
        'create',
        'role',
        'tenant-debug',
        '-n',
        TEAM,
        '--verb=get,patch,update',
        '--resource=pods/ephemeralcontainers,pods/resize',
      ]);
      expect(role.code, role.stderr).toBe(0);
      const binding = adminKubectl([
        'create',
        'rolebinding',
        'tenant-debug',
        '-n',
        TEAM,
        '--role=tenant-debug',
        `--user=${cluster().tenantUser}`,
      ]);
      expect(binding.code, binding.stderr).toBe(0);
    });

    it('an ephemeral container from a registry the policy forbids is denied; an allowed one is added', () => {
      const name = stored(plainPod(), TEAM);
      const debug = (image: string, container: string) =>
        tenantKubectl(['debug', `pod/${name}`, '-n', TEAM, `--image=${image}`, `--container=${container}`]);
      const denied = debug('ghcr.io/attacker/miner:1', 'miner');
      expectDenied(denied, HOOK, 'registry-not-allowed');
      expect(denied.stderr).toContain('spec.ephemeralContainers[0].image');
      const added = debug('docker.io/library/busybox:1.36', 'dbg');
      expect(added.code, added.stderr).toBe(0);
      expect(imagesOf(name, TEAM)).toEqual(['registry.internal/tools/busybox:1.36', 'docker.io/library/busybox:1.36']);
    });

    it('a resize of an executor over maxExecutorCores is denied; one within it is admitted', () => {
      const executor = plainPod('docker.io/apache/spark:3.5.1', {
        'spark-role': 'executor',
        'graphdata.io/inject': 'false',
      });
      executor.spec!.containers[0]!.resources = {
        requests: { cpu: '2', memory: '1Gi' },
        limits: { cpu: '2', memory: '1Gi' },
      };
      const name = stored(executor, TEAM);
      // kwok runs the pod, but its stages leave out what a kubelet able to resize in place
      // reports: each running container's resources. Without them the apiserver refuses
      // any resize itself ("node without support for resize"), so report them as it would.
      const running = adminKubectl([
        'wait',
        `pod/${name}`,
        '-n',
        TEAM,
        '--for=jsonpath={.status.phase}=Running',
        '--timeout=60s',
      ]);
      expect(running.code, running.stderr).toBe(0);
      const reported = adminKubectl([
        'patch',
        `pod/${name}`,
        '-n',
        TEAM,
        '--subresource=status',
        '--type=json',
        '-p',
        JSON.stringify([
          { op: 'add', path: '/status/containerStatuses/0/resources', value: executor.spec!.containers[0]!.resources },
        ]),
      ]);
      expect(reported.code, reported.stderr).toBe(0);
      const resize = (cpu: string) =>
        tenantKubectl([
          'patch',
          `pod/${name}`,
          '-n',
          TEAM,
          '--subresource=resize',
          '-p',
          JSON.stringify({
            spec: { containers: [{ name: 'main', resources: { requests: { cpu }, limits: { cpu } } }] },
          }),
        ]);
      expectDenied(resize('8'), HOOK, 'executor-cores-over-limit');
      const within = resize('3');
      expect(within.code, within.stderr).toBe(0);
    });
  });
});
