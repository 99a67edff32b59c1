// A tightening the platform sets for one namespace, that the namespace's tenants cannot
// undo (issue 17): a GraphDataPolicy the platform puts in a tenant's namespace is deleted
// by any `edit` user; a namespaceOverride inside the ClusterGraphDataPolicy, selected by a
// namespace label, is out of their reach (neither the cluster object nor the namespace's
// labels are theirs to write). Tried on the real control plane as that tenant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../../policies/k8s.js';
import { ensureNamespace, waitFor } from '../../cluster/kube.js';
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

const HOOK = 'sec-overrides';
const TEAM = 'sec-overrides-team';
const TIER = 'sec.graphdata.io/tier';

const SPEC = {
  mode: 'Enforce',
  limits: { allowedRegistries: ['docker.io', 'registry.internal'], maxExecutorCores: 4 },
  namespaceOverrides: [
    { name: 'strict', namespaceSelector: { matchLabels: { [TIER]: 'strict' } }, limits: { maxExecutorCores: 1 } },
  ],
};
const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: HOOK },
  spec: SPEC,
};

/** An opted-out executor (never injected) asking for `cores`: the cores limit reads SPARK_EXECUTOR_CORES. */
const executor = (cores: number): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `exec-${cores}`, labels: { 'spark-role': 'executor', 'graphdata.io/inject': 'false' } },
  spec: {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'executor',
        image: 'docker.io/apache/spark:3.5.1',
        env: [{ name: 'SPARK_EXECUTOR_CORES', value: String(cores) }],
      },
    ],
  },
});
const dryRun = (pod: Pod) => tenantCreate(podIn(pod, TEAM), '--dry-run=server');
const deniedByCores = async () => {
  const run = dryRun(executor(2));
  return run.code !== 0 && run.stderr.includes('executor-cores-over-limit');
};

const clusterReady = async () => {
  const run = adminKubectl(['get', 'clustergraphdatapolicy', HOOK, '-o', 'json']);
  if (run.code !== 0) return false;
  const ready = (JSON.parse(run.stdout).status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  return ready?.status === 'True';
};

let guarded: GuardedCluster;

beforeAll(async () => {
  await tenantNamespaces([TEAM]);
  const created = adminKubectl(['apply', '-f', '-'], CLUSTER_POLICY);
  expect(created.code, created.stderr).toBe(0);
  guarded = await guardedCluster({
    name: HOOK,
    clusterPolicy: CLUSTER_POLICY,
    deniedProbe: podIn({ ...executor(1), spec: { containers: [{ name: 'x', image: 'quay.io/probe/x:1' }] } }, TEAM),
  });
  await waitFor(clusterReady, `ClusterGraphDataPolicy ${HOOK} in effect`);
});

afterAll(async () => {
  adminKubectl(['delete', 'graphdatapolicies', '--all', '-n', TEAM, '--wait=false']);
  adminKubectl(['delete', 'pods', '--all', '-n', TEAM, '--wait=false']);
  adminKubectl(['delete', 'clustergraphdatapolicy', HOOK, '--ignore-not-found']);
  await ensureNamespace(TEAM, { [TIER]: null });
  await guarded?.stop();
});

describe('a namespaceOverride in the cluster policy', () => {
  it('the apiserver keeps it (the CRD has the field), and it binds nothing until the namespace is labelled', () => {
    const stored = JSON.parse(adminKubectl(['get', 'clustergraphdatapolicy', HOOK, '-o', 'json']).stdout);
    expect(stored.spec.namespaceOverrides).toEqual(SPEC.namespaceOverrides);
    const run = dryRun(executor(2));
    expect(run.code, run.stderr).toBe(0);
  });

  it('applies once the platform labels the namespace: the webhook compiles again on the label change', async () => {
    await ensureNamespace(TEAM, { [TIER]: 'strict' });
    await waitFor(deniedByCores, 'the override in effect in the labelled namespace');
    const run = dryRun(executor(2));
    expectDenied(run, HOOK, 'executor-cores-over-limit');
    expect(run.stderr).toContain('executor cores 2 exceed the policy maximum of 1');
    expect(dryRun(executor(1)).code).toBe(0);
  });

  it('the tenant can neither delete nor edit it, nor take the label off their namespace', () => {
    const del = tenantKubectl(['delete', 'clustergraphdatapolicy', HOOK]);
    expect(del.code).toBe(1);
    expect(del.stderr).toContain('forbidden');
    const patch = tenantKubectl([
      'patch',
      'clustergraphdatapolicy',
      HOOK,
      '--type=merge',
      '-p',
      '{"spec":{"namespaceOverrides":[]}}',
    ]);
    expect(patch.code).toBe(1);
    expect(patch.stderr).toContain('forbidden');
    const unlabel = tenantKubectl(['label', 'namespace', TEAM, `${TIER}-`]);
    expect(unlabel.code).toBe(1);
    expect(unlabel.stderr).toContain('forbidden');
  });

  it('the tenant’s own GraphDataPolicy may not loosen it, and deleting theirs changes nothing', () => {
    const loosening = {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { name: 'ours', namespace: TEAM },
      spec: { limits: { maxExecutorCores: 2 } },
    };
    const run = tenantCreate(loosening);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`admission webhook "policies.${HOOK}.graphdata.io" denied the request`);
    expect(run.stderr).toContain('maxExecutorCores 2 is above the cluster limit maxExecutorCores 1');
    expect(run.stderr).toContain('with namespaceOverrides strict');
    // What the tenant may do with GraphDataPolicies (delete them all) leaves the override standing.
    const deleted = tenantKubectl(['delete', 'graphdatapolicies', '--all', '-n', TEAM]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expectDenied(dryRun(executor(2)), HOOK, 'executor-cores-over-limit');
  });

  it('explain names the override applied to a pod of the namespace', () => {
    const created = tenantCreate(podIn(executor(1), TEAM));
    expect(created.code, created.stderr).toBe(0);
    const name = JSON.parse(created.stdout).metadata.name;
    const run = adminKubectl(['graphdata', 'explain', `pod/${name}`, '-n', TEAM]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`policy:     ClusterGraphDataPolicy/${HOOK} with namespaceOverrides strict`);
  });
});
