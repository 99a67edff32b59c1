// audit says which policy decided and why a pod was never injected (issue 19): a denial
// under a namespace's GraphDataPolicy names that policy, not the cluster's; and a workload
// pod created before its namespace opted in is "created before opt-in" (the pod's
// creationTimestamp against the time the namespace's managedFields give the opt-in
// label), while one created after opt-in keeps "the webhook did not run".
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../policies/k8s.js';
import { cluster, createPod, ensureNamespace, installPolicyCrds, kubeConfig } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';

const NS = 'audit-attribution';
const core = () => kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
const run = (args: string[], input?: string) =>
  kubectl([...args, '--kubeconfig', cluster().kubeconfig], input === undefined ? {} : { input });

const NAMESPACE_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name: 'team-registries', namespace: NS },
  spec: { mode: 'Enforce', limits: { allowedRegistries: ['docker.io'] } },
};

interface Report {
  violations: {
    name: string;
    rule: string;
    code: string;
    action: string;
    policy?: string;
    message: string;
    hint?: string;
  }[];
}

let older: Pod;
let newer: Pod;
let quay: Pod;

beforeAll(async () => {
  installPolicyCrds();
  // From a namespace that is not opted in and holds no pod (a rerun on a kept cluster too;
  // deleting it would never finish: no controller-manager runs here).
  await ensureNamespace(NS);
  await ensureNamespace(NS, { 'graphdata.io/inject': null });
  await core().deleteCollectionNamespacedPod({ namespace: NS });
  // Not opted in yet: nothing injects it. Timestamps have one-second precision.
  older = await createPod(NS, sparkExecutorPod());
  await sleep(1100);
  const label = run(['label', 'namespace', NS, 'graphdata.io/inject=enabled']);
  expect(label.code, label.stderr).toBe(0);
  await sleep(1100);
  // Opted in, but no webhook is registered here: missed, not older.
  newer = await createPod(NS, sparkExecutorPod());
  const fromQuay = sparkExecutorPod();
  fromQuay.metadata!.name = 'quay-exec';
  fromQuay.metadata!.labels = { app: 'not-spark' };
  fromQuay.spec!.containers[0]!.image = 'quay.io/acme/tool:1.0';
  quay = await createPod(NS, fromQuay);
  const apply = run(['apply', '-f', '-'], JSON.stringify(NAMESPACE_POLICY));
  expect(apply.code, apply.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  run(['delete', 'graphdatapolicy', 'team-registries', '-n', NS, '--ignore-not-found']);
  await core()
    .deleteCollectionNamespacedPod({ namespace: NS })
    .catch(() => undefined);
});

describe('audit attribution', () => {
  it('a denial under the namespace GraphDataPolicy names that policy', () => {
    const r = run(['graphdata', 'audit', '-n', NS, '-o', 'json']);
    const report = JSON.parse(r.stdout) as Report;
    const registry = report.violations.find((v) => v.name === quay.metadata!.name && v.action === 'deny');
    expect(registry, r.stdout).toBeDefined();
    expect(registry!.policy).toBe(`GraphDataPolicy/${NS}/team-registries`);

    const table = run(['graphdata', 'audit', '-n', NS]);
    expect(table.stdout).toMatch(/^NAMESPACE +OBJECT +ACTION +RULE +POLICY +MESSAGE/m);
    expect(table.stdout).toContain(`GraphDataPolicy/${NS}/team-registries`);
    expect(table.stderr).toMatch(
      new RegExp(
        `checked against .*, and in one namespace the policy laid over it \\(GraphDataPolicy/${NS}/team-registries in ${NS}\\)`,
      ),
    );
  });

  it('a pod created before the namespace opted in is "created before opt-in"; a later one is not', () => {
    const report = JSON.parse(run(['graphdata', 'audit', '-n', NS, '-o', 'json']).stdout) as Report;
    const missed = (pod: Pod) =>
      report.violations.find((v) => v.name === pod.metadata!.name && v.code === 'not-injected');
    expect(missed(older)?.message).toMatch(/created before opt-in$/);
    expect(missed(older)?.hint).toMatch(
      /^created at .*, before the namespace's graphdata\.io\/inject=enabled label was last written \(.*, its managedFields\)/,
    );
    expect(missed(older)?.hint).not.toMatch(/did not run/);
    expect(missed(newer)?.message).not.toMatch(/before opt-in/);
    expect(missed(newer)?.hint).toMatch(/webhook did not run/);
  });
});
