// Escapes from /validate, tried by a tenant with `edit` in their own opted-in namespace
// on the real control plane (issue 17): another team's profile, mirrors that admit what
// they never rewrite, `..` out of an allowed prefix, unanchored policy patterns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../policies/k8s.js';
import { waitFor } from '../../cluster/kube.js';
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

const HOOK = 'sec-validate';
const TEAM_A = 'sec-team-a';
/** The tenant's own namespace: they hold `edit` here and nowhere the policy reserves for others. */
const TEAM_B = 'sec-team-b';

const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: 'sec-validate' },
  spec: {
    mode: 'Enforce',
    limits: {
      allowedRegistries: ['docker.io', 'registry.internal'],
      allowedHostPaths: ['/data/shared'],
      alluxioPathPrefixes: ['/shared'],
    },
    profiles: {
      'team-a-data': {
        allowedNamespaces: [TEAM_A],
        alluxio: { domainSocket: { hostPath: '/data/team-a' } },
        images: { mirrors: [{ from: 'ghcr.io', to: 'registry.internal' }] },
      },
    },
  },
};

/** A pod no workload matches (never injected): what it names is what it runs. */
const plainPod = (over: { image?: string; hostPath?: string; args?: string[]; profile?: string } = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'plain',
    ...(over.profile ? { annotations: { 'graphdata.io/profile': over.profile } } : {}),
  },
  spec: {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        image: over.image ?? 'registry.internal/tools/busybox:1.36',
        ...(over.args ? { args: over.args } : {}),
        ...(over.hostPath ? { volumeMounts: [{ name: 'data', mountPath: '/opt/domain' }] } : {}),
      },
    ],
    ...(over.hostPath ? { volumes: [{ name: 'data', hostPath: { path: over.hostPath } }] } : {}),
  },
});

const optedOutExecutor = (image: string): Pod => {
  const pod = sparkExecutorPod();
  pod.metadata!.labels!['graphdata.io/inject'] = 'false';
  pod.spec!.containers[0]!.image = image;
  return pod;
};

const tenantPolicy = (name: string, spec: object) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name, namespace: TEAM_B },
  spec,
});

/** The Ready condition the webhook wrote on a GraphDataPolicy in TEAM_B. */
const readyOf = (name: string): { status?: string; reason?: string } | undefined => {
  const run = adminKubectl(['get', 'graphdatapolicy', name, '-n', TEAM_B, '-o', 'json']);
  if (run.code !== 0) return undefined;
  const conditions = JSON.parse(run.stdout).status?.conditions ?? [];
  return conditions.find((c: { type: string }) => c.type === 'Ready');
};

let guarded: GuardedCluster;

beforeAll(async () => {
  await tenantNamespaces([TEAM_A, TEAM_B]);
  guarded = await guardedCluster({
    name: HOOK,
    clusterPolicy: CLUSTER_POLICY,
    deniedProbe: podIn(plainPod({ image: 'quay.io/probe/x:1' }), TEAM_B),
  });
});

afterAll(async () => {
  for (const namespace of [TEAM_A, TEAM_B]) {
    adminKubectl(['delete', 'graphdatapolicies', '--all', '-n', namespace, '--wait=false']);
    adminKubectl(['delete', 'pods', '--all', '-n', namespace, '--wait=false']);
  }
  await guarded?.stop();
});

describe('a tenant cannot use another namespace’s profile through /validate', () => {
  it('the tenant may create plain pods (so the denials below are the webhook’s)', () => {
    const run = tenantCreate(podIn(plainPod(), TEAM_B));
    expect(run.code, run.stderr).toBe(0);
  });

  it('team-a’s socket directory stays out of reach, with or without team-a’s profile', () => {
    expectDenied(tenantCreate(podIn(plainPod({ hostPath: '/data/team-a' }), TEAM_B)), HOOK, 'hostpath-not-allowed');
    const run = tenantCreate(podIn(plainPod({ hostPath: '/data/team-a', profile: 'team-a-data' }), TEAM_B));
    expectDenied(run, HOOK, 'hostpath-not-allowed');
    expect(run.stderr).toContain('hostPath /data/team-a is outside the directories the policy allows');
  });

  it('team-a’s profile does not let a ghcr.io image through its mirrors', () => {
    const run = tenantCreate(podIn(plainPod({ image: 'ghcr.io/attacker/miner:1', profile: 'team-a-data' }), TEAM_B));
    expectDenied(run, HOOK, 'registry-not-allowed');
    expect(run.stderr).toContain('image ghcr.io/attacker/miner:1 comes from ghcr.io');
  });
});

describe('mirrors do not widen allowedRegistries', () => {
  const MIRROR = 'sec-mirror';

  beforeAll(async () => {
    // The tenant's own policy adds a mirror from a registry the cluster forbids to one it allows.
    const run = tenantCreate(
      tenantPolicy(MIRROR, { images: { mirrors: [{ from: 'ghcr.io', to: 'registry.internal' }] } }),
    );
    expect(run.code, run.stderr).toBe(0);
    await waitFor(async () => readyOf(MIRROR)?.reason === 'InEffect', 'the tenant policy in effect', 30_000);
  });

  afterAll(() => {
    adminKubectl(['delete', 'graphdatapolicy', MIRROR, '-n', TEAM_B, '--ignore-not-found']);
  });

  it('a plain pod naming ghcr.io is denied: nothing rewrites its image', () => {
    const run = tenantCreate(podIn(plainPod({ image: 'ghcr.io/attacker/miner:1' }), TEAM_B));
    expectDenied(run, HOOK, 'registry-not-allowed');
    expect(run.stderr).toContain('image ghcr.io/attacker/miner:1 comes from ghcr.io, which the policy does not allow');
  });

  it('an opted-out executor naming ghcr.io is denied', () => {
    expectDenied(
      tenantCreate(podIn(optedOutExecutor('ghcr.io/attacker/miner:1'), TEAM_B)),
      HOOK,
      'registry-not-allowed',
    );
  });

  it('an injected executor gets the mirrored image and is admitted', () => {
    const run = tenantCreate(podIn(sparkExecutorPod(), TEAM_B));
    expect(run.code, run.stderr).toBe(0);
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.image = 'ghcr.io/acme/spark:3.5.1';
    const mirrored = tenantCreate(podIn(pod, TEAM_B));
    expect(mirrored.code, mirrored.stderr).toBe(0);
    expect(JSON.parse(mirrored.stdout).spec.containers[0].image).toBe('registry.internal/acme/spark:3.5.1');
  });
});

describe('.. does not walk out of an allowed prefix', () => {
  it('an alluxio:// path through /shared/.. is denied', () => {
    const walkOut = 'alluxio://master:19998/shared/../tenant-a/secret.csv';
    const run = tenantCreate(podIn(plainPod({ args: [walkOut] }), TEAM_B));
    expectDenied(run, HOOK, 'alluxio-path-not-allowed');
    expect(run.stderr).toContain(`${walkOut} reads outside this tenant's Alluxio paths (/shared)`);
    const inside = tenantCreate(podIn(plainPod({ args: ['alluxio://master:19998/shared/a/../b.csv'] }), TEAM_B));
    expect(inside.code, inside.stderr).toBe(0);
  });

  it('a tenant policy with the prefix /shared/../tenant-a is rejected by the apiserver, naming the field', () => {
    const run = tenantCreate(tenantPolicy('sec-dotdot', { limits: { alluxioPathPrefixes: ['/shared/../tenant-a'] } }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('spec.limits.alluxioPathPrefixes[0]: Invalid value: "/shared/../tenant-a"');
    const hostPath = tenantCreate(
      tenantPolicy('sec-dotdot', { limits: { allowedHostPaths: ['/data/shared/../team-a'] } }),
    );
    expect(hostPath.code).toBe(1);
    expect(hostPath.stderr).toContain('spec.limits.allowedHostPaths[0]: Invalid value');
    expect(tenantKubectl(['get', 'graphdatapolicy', 'sec-dotdot', '-n', TEAM_B]).code).toBe(1);
  });
});

describe('policy patterns match whole values', () => {
  it('alluxio.version "2.9.4/../../x" is rejected by the apiserver', () => {
    const run = tenantCreate(tenantPolicy('sec-version', { alluxio: { version: '2.9.4/../../x' } }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('spec.alluxio.version: Invalid value: "2.9.4/../../x"');
    const ok = tenantCreate(tenantPolicy('sec-version', { alluxio: { version: '2.9.4' } }));
    expect(ok.code, ok.stderr).toBe(0);
  });

  it('an alluxio.properties key carrying more JVM options is denied by the policies webhook', () => {
    // Not in the CRD: a CEL rule over map keys in every profile exceeds the apiserver's cost budget.
    const key = 'alluxio.x=1 -javaagent:/tmp/a.jar -Dalluxio.y';
    const run = tenantCreate(tenantPolicy('sec-props', { alluxio: { properties: { [key]: 'z' } } }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`admission webhook "policies.${HOOK}.graphdata.io" denied the request`);
    expect(run.stderr).toContain(`(spec.alluxio.properties["${key}"])`);
  });
});
