// The plugin's cluster commands decide with the policy the webhook would use: the
// ClusterGraphDataPolicy / GraphDataPolicy objects of the real control plane, compiled by
// the webhook's code (`explain pod/NAME`, `audit`, `doctor`), the built-in policy when there
// are none, `--policy FILE` over them; a user who may not list them is told what is missing.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { inject } from '../../policies/engine.js';
import type { Pod } from '../../policies/k8s.js';
import { policyFromObject } from '../../policies/policy-loader.js';
import { cluster, createPod, ensureNamespace, installPolicyCrds, kubeConfig } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { DEFAULT_POLICY_FILE } from '../fixtures/policy.js';
import { kubectl } from '../support/kubectl.js';

const PLATFORM = 'cp-e2e-platform';
const SHARED = 'cp-e2e-shared';
const TEAM = 'cp-e2e-team';
const OPT_IN = { 'graphdata.io/inject': 'enabled' };

const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: PLATFORM },
  spec: {
    alluxio: { master: { hostname: 'platform-master.alluxio', rpcPort: 19998 } },
    placement: { nodeLabels: { pool: 'cp-e2e-cache' } },
  },
};
const TEAM_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name: 'team', namespace: TEAM },
  spec: { alluxio: { master: { hostname: 'team-master.alluxio' } } },
};

const run = (args: string[], input?: string) =>
  kubectl([...args, '--kubeconfig', cluster().kubeconfig], input === undefined ? {} : { input });
const asTenant = () => ['--kubeconfig', cluster().kubeconfig, '--context', cluster().tenantContext];
const apply = (object: object) => {
  const r = run(['apply', '-f', '-'], JSON.stringify(object));
  if (r.code !== 0) throw new Error(r.stderr);
};

interface Explained {
  policy: string;
  reason: string;
  recordCheck?: { mutator: string; state: string }[];
  actions: { mutator: string; outcome: string; subject: string }[];
}
const explain = (pod: Pod, namespace: string, ...extra: string[]) => {
  const r = run(['graphdata', 'explain', `pod/${pod.metadata!.name}`, '-n', namespace, '-o', 'json', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  return { ...(JSON.parse(r.stdout) as Explained), stderr: r.stderr };
};

/** The pod as a webhook running `policy` would have stored it. */
const injectedBy = (policyObject: object, namespace: string): Pod =>
  inject(sparkExecutorPod(), policyFromObject(policyObject).policy!, { namespace, namespaceLabels: OPT_IN }).pod;

/** The built-in policy as a ClusterGraphDataPolicy object, as the webhook loads it. */
const defaultPolicyObject = (): object => parseYaml(readFileSync(DEFAULT_POLICY_FILE, 'utf8'));

let bare: Pod;
let bareInTeam: Pod;
let platformInjected: Pod;
let policyFile: string;

async function cleanUp(): Promise<void> {
  run(['delete', 'clustergraphdatapolicy', PLATFORM, 'default', '--ignore-not-found']);
  run(['delete', 'graphdatapolicies', '--all', '-n', TEAM, '--ignore-not-found']);
}

beforeAll(async () => {
  installPolicyCrds();
  await ensureNamespace(SHARED, OPT_IN);
  await ensureNamespace(TEAM, OPT_IN);
  await cleanUp();
  const others = JSON.parse(run(['get', 'clustergraphdatapolicies', '-o', 'json']).stdout).items;
  expect(others, 'ClusterGraphDataPolicies left in the shared cluster by another test file').toEqual([]);
  const core = kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  for (const ns of [SHARED, TEAM]) await core.deleteCollectionNamespacedPod({ namespace: ns });
  bare = await createPod(SHARED, sparkExecutorPod());
  bareInTeam = await createPod(TEAM, sparkExecutorPod());
  platformInjected = await createPod(SHARED, injectedBy(CLUSTER_POLICY, SHARED));
  const dir = mkdtempSync(join(tmpdir(), 'gd-cp-e2e-'));
  policyFile = join(dir, 'policy.json');
  writeFileSync(
    policyFile,
    JSON.stringify({ ...CLUSTER_POLICY, metadata: { name: 'from-file' }, spec: { mode: 'Enforce' } }),
  );
  // The tenant may read pods in SHARED and nothing else: no policy objects, no namespaces.
  apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'cp-e2e-pod-reader', namespace: SHARED },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
  });
  apply({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'cp-e2e-pod-reader', namespace: SHARED },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cp-e2e-pod-reader' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: cluster().tenantUser }],
  });
}, 120_000);

afterAll(cleanUp);

describe('explain pod/NAME uses the policy the webhook would', () => {
  it('with no policy objects: the built-in policy, named so', () => {
    const e = explain(bare, SHARED);
    expect(e.policy).toBe(BUILT_IN_POLICY);
    expect(JSON.stringify(e.actions)).toContain('-Dalluxio.master.hostname=alluxio-master-0.alluxio');
    expect(JSON.stringify(e.actions)).toContain('nodeSelector alluxio=true');
  });

  it('the ClusterGraphDataPolicy in effect, and a GraphDataPolicy laid over it in its namespace', () => {
    apply(CLUSTER_POLICY);
    apply(TEAM_POLICY);
    const shared = explain(bare, SHARED);
    expect(shared.policy).toBe(`ClusterGraphDataPolicy/${PLATFORM}`);
    expect(JSON.stringify(shared.actions)).toContain('-Dalluxio.master.hostname=platform-master.alluxio');
    expect(JSON.stringify(shared.actions)).toContain('nodeSelector pool=cp-e2e-cache');
    expect(JSON.stringify(shared.actions)).not.toContain('alluxio-master-0');

    const team = explain(bareInTeam, TEAM);
    expect(team.policy).toBe(`GraphDataPolicy/${TEAM}/team`);
    expect(JSON.stringify(team.actions)).toContain('-Dalluxio.master.hostname=team-master.alluxio');
    // Inherited from the cluster policy, which the namespace policy leaves alone.
    expect(JSON.stringify(team.actions)).toContain('nodeSelector pool=cp-e2e-cache');
  });

  it("checks a pod's record against the policy that injected it, not the built-in one", () => {
    apply(CLUSTER_POLICY);
    const e = explain(platformInjected, SHARED);
    expect(e.policy).toBe(`ClusterGraphDataPolicy/${PLATFORM}`);
    expect(e.reason).toContain(`recorded as injected by ClusterGraphDataPolicy/${PLATFORM} generation 1`);
    expect(e.reason).toContain('checked against the pod: all of it is in place');
    expect(e.recordCheck!.every((c) => c.state === 'in place' || c.state === 'not applicable')).toBe(true);
  });

  it('--policy FILE overrides the policy objects', () => {
    apply(CLUSTER_POLICY);
    const e = explain(platformInjected, SHARED, '--policy', policyFile);
    expect(e.policy).toBe('ClusterGraphDataPolicy/from-file');
    // The file places on alluxio=true: the pod's placement is not what it would inject.
    expect(e.reason).toContain('the policy in effect now is ClusterGraphDataPolicy/from-file');
    expect(e.recordCheck).toContainEqual({ mutator: 'placement', state: 'missing', detail: expect.any(String) });
  });

  it('a user who may not list policy objects is told which permission is missing, and gets the built-in policy', () => {
    apply(CLUSTER_POLICY);
    const r = kubectl(['graphdata', 'explain', `pod/${bare.metadata!.name}`, '-n', SHARED, ...asTenant()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'note: cannot list clustergraphdatapolicies.graphdata.io (forbidden): your user needs RBAC list on ' +
        'clustergraphdatapolicies (API group graphdata.io, cluster-wide)',
    );
    expect(r.stderr).toContain('explained with the built-in policy in its place');
    expect(r.stderr).toContain(`cannot list graphdatapolicies.graphdata.io in namespace ${SHARED} (forbidden)`);
    expect(r.stderr).not.toMatch(/^\s+at /m); // never a stack trace
    expect(r.stdout).toContain(`policy:     ${BUILT_IN_POLICY}`);
  });
});

describe('a ClusterGraphDataPolicy named as the built-in policy', () => {
  it('explain says the record cannot tell which of the two injected the pod', async () => {
    run(['delete', 'clustergraphdatapolicy', PLATFORM, '--ignore-not-found']);
    const pod = await createPod(SHARED, injectedBy(defaultPolicyObject(), SHARED));
    const before = explain(pod, SHARED);
    expect(before.reason).toContain('recorded as injected by ClusterGraphDataPolicy/default generation 1 (');
    expect(before.policy).toBe(BUILT_IN_POLICY);
    expect(before.reason).not.toContain('cannot say which');
    apply({ ...CLUSTER_POLICY, metadata: { name: 'default' } });
    try {
      const after = explain(pod, SHARED);
      expect(after.policy).toBe('ClusterGraphDataPolicy/default');
      expect(after.reason).toContain(
        'recorded as injected by ClusterGraphDataPolicy/default generation 1 (the built-in policy or the ' +
          'ClusterGraphDataPolicy named default: both record this reference, so the record cannot say which)',
      );
    } finally {
      run(['delete', 'clustergraphdatapolicy', 'default', '--ignore-not-found']);
    }
  });
});

describe('audit and doctor read the same policy objects', () => {
  it('audit without --policy checks against the ClusterGraphDataPolicy in effect', () => {
    apply(CLUSTER_POLICY);
    const r = run(['graphdata', 'audit', '-n', SHARED]);
    expect(r.stderr).toMatch(
      new RegExp(`^\\d+ objects in 1 namespace checked against ClusterGraphDataPolicy ${PLATFORM}:`, 'm'),
    );
  });

  it("doctor looks for the cluster policy's node labels", () => {
    apply(CLUSTER_POLICY);
    const r = run(['graphdata', 'doctor', '-o', 'json']);
    const checks = (JSON.parse(r.stdout) as { checks: { name: string; detail: string }[] }).checks;
    expect(checks.find((c) => c.name === 'Alluxio nodes')?.detail).toBe(
      `no node is labelled pool=cp-e2e-cache (placement.nodeLabels of ClusterGraphDataPolicy/${PLATFORM}): ` +
        'placement.mode nodeSelector keeps executors and CN pods placed by the webhook Pending',
    );
  });
});
