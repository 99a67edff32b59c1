import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { cluster, ensureNamespace, installPolicyCrds, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';
import { httpsCall } from '../support/webhook-client.js';

const NAME = 'graphdata-store';
const CLUSTER_POLICY = 'store-platform';
const TENANT = 'store-tenant';
const OTHER = 'store-other';
const kubeconfigFlag = () => ['--kubeconfig', cluster().kubeconfig];
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);

let webhook: RunningWebhook;

const run = (args: string[], input?: string) =>
  kubectl([...args, ...kubeconfigFlag()], input === undefined ? {} : { input });
const apply = (object: object) => run(['apply', '-f', '-'], JSON.stringify(object));
const getJson = (what: string[]) => {
  const r = run(['get', ...what, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};

/** An executor pod that opts out of injection (so the safety net stays out of it), asking for `cores`. */
function executor(cores: number, image = 'docker.io/apache/spark:3.5.1'): Pod {
  const pod = sparkExecutorPod();
  pod.metadata!.labels!['graphdata.io/inject'] = 'false';
  const c = pod.spec!.containers[0]!;
  c.image = image;
  c.env = [...(c.env ?? []), { name: 'SPARK_EXECUTOR_CORES', value: String(cores) }];
  return pod;
}
/** A server-side dry run of the pod: the webhook answers, nothing is stored. */
const dryRunPod = (pod: Pod, namespace: string) =>
  run(
    ['create', '--dry-run=server', '-f', '-', '-o', 'name'],
    JSON.stringify({ ...pod, metadata: { ...pod.metadata, namespace } }),
  );

const clusterPolicy = (limits: Record<string, unknown>) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: CLUSTER_POLICY },
  spec: { mode: 'Enforce', limits },
});
const namespacePolicy = (name: string, namespace: string, spec: Record<string, unknown>) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name, namespace },
  spec,
});
const ready = (obj: {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}) => obj.status?.conditions?.find((c) => c.type === 'Ready');

async function cleanUp(): Promise<void> {
  await admission()
    .deleteValidatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  run(['delete', 'clustergraphdatapolicy', CLUSTER_POLICY, '--ignore-not-found', '--wait=false']);
  for (const ns of [TENANT, OTHER]) run(['delete', 'graphdatapolicies', '--all', '-n', ns, '--ignore-not-found']);
}

beforeAll(async () => {
  installPolicyCrds();
  await ensureNamespace(TENANT, { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace(OTHER, { 'graphdata.io/inject': 'enabled' });
  await cleanUp();
  const others = getJson(['clustergraphdatapolicies']).items.map(
    (i: { metadata: { name: string } }) => i.metadata.name,
  );
  expect(others, 'ClusterGraphDataPolicies left in the shared cluster by another test file').toEqual([]);
  webhook = await startDevWebhook(['--kubeconfig', cluster().kubeconfig]);
  expect(webhook.logs()).toContain('policy snapshot compiled');
  await admission().createValidatingWebhookConfiguration({
    body: validatingWebhookConfiguration({
      name: NAME,
      endpoint: { url: webhook.url },
      caBundle: webhook.ca,
      ownNamespace: 'graphdata-system',
    }),
  });
  // The apiserver loads webhook configurations through an informer: wait until it calls ours.
  await waitFor(async () => {
    const r = run(['create', '--dry-run=server', '-f', '-'], JSON.stringify(namespacePolicy('probe', OTHER, {})));
    return r.code === 0 && webhook.logs().includes('"kind":"GraphDataPolicy"');
  }, 'the validating webhook');
});

afterAll(async () => {
  await cleanUp();
  await webhook?.stop();
});

describe('policies from the apiserver, without a restart', () => {
  it('with no ClusterGraphDataPolicy the built-in policy applies: no limits', () => {
    const r = dryRunPod(executor(16, 'quay.io/acme/spark:3.5.1'), TENANT);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a ClusterGraphDataPolicy created through the apiserver is picked up', async () => {
    const created = apply(
      clusterPolicy({ allowedRegistries: ['docker.io', 'registry.internal'], maxExecutorCores: 8 }),
    );
    expect(created.code, created.stderr).toBe(0);
    await waitFor(
      async () => dryRunPod(executor(1, 'quay.io/acme/spark:3.5.1'), TENANT).stderr.includes('registry-not-allowed'),
      'the new cluster policy to deny a quay.io image',
    );
    const denied = dryRunPod(executor(1, 'quay.io/acme/spark:3.5.1'), TENANT);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/error registry-not-allowed: image quay.io\/acme\/spark:3.5.1 comes from quay.io/);
    expect(dryRunPod(executor(4), TENANT).code).toBe(0);
  });

  it('a change takes effect for the next pod', async () => {
    const patched = run([
      'patch',
      'clustergraphdatapolicy',
      CLUSTER_POLICY,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { limits: { maxExecutorCores: 2 } } }),
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    await waitFor(
      async () => dryRunPod(executor(4), TENANT).stderr.includes('executor-cores-over-limit'),
      'the lowered core limit to deny a 4-core executor',
    );
    expect(dryRunPod(executor(4), TENANT).stderr).toContain('executor cores 4 exceed the policy maximum of 2');
    expect(dryRunPod(executor(2), TENANT).code).toBe(0);
  });

  it('writes status back: observedGeneration and Ready', async () => {
    await waitFor(async () => {
      const obj = getJson(['clustergraphdatapolicy', CLUSTER_POLICY]);
      return obj.status?.observedGeneration === obj.metadata.generation && ready(obj)?.status === 'True';
    }, 'the cluster policy status');
    const obj = getJson(['clustergraphdatapolicy', CLUSTER_POLICY]);
    expect(obj.metadata.generation).toBe(2);
    expect(ready(obj)).toMatchObject({ status: 'True', reason: 'InEffect' });
    // kubectl graphdata status shows it.
    const status = JSON.parse(run(['graphdata', 'status', '-o', 'json']).stdout);
    expect(status.policies).toContainEqual({
      name: CLUSTER_POLICY,
      generation: 2,
      ready: { status: 'True', reason: 'InEffect', observedGeneration: 2 },
    });
    // The Ready printer column reads it.
    const table = run(['get', 'cgdp', CLUSTER_POLICY]);
    expect(table.stdout).toMatch(/NAME\s+READY\s+MODE/);
    expect(table.stdout).toMatch(new RegExp(`${CLUSTER_POLICY}\\s+True\\s+Enforce`));
  });

  it('a namespace GraphDataPolicy tightening a limit denies a pod there, and only there', async () => {
    const created = apply(namespacePolicy('tight', TENANT, { limits: { maxExecutorCores: 1 } }));
    expect(created.code, created.stderr).toBe(0);
    await waitFor(
      async () => dryRunPod(executor(2), TENANT).stderr.includes('executor-cores-over-limit'),
      'the namespace policy to deny a 2-core executor',
    );
    expect(dryRunPod(executor(2), TENANT).stderr).toContain('executor cores 2 exceed the policy maximum of 1');
    expect(dryRunPod(executor(2), OTHER).code).toBe(0);
    await waitFor(async () => {
      const obj = getJson(['graphdatapolicy', 'tight', '-n', TENANT]);
      return obj.status?.observedGeneration === 1 && ready(obj)?.status === 'True';
    }, 'the namespace policy status');
    expect(ready(getJson(['graphdatapolicy', 'tight', '-n', TENANT]))!.message).toContain(
      `laid over ClusterGraphDataPolicy ${CLUSTER_POLICY}`,
    );
  });

  it('a loosening GraphDataPolicy is rejected at creation, naming the cluster limit', () => {
    const r = run(
      ['create', '-f', '-'],
      JSON.stringify(namespacePolicy('wide', OTHER, { mode: 'Audit', limits: { maxExecutorCores: 16 } })),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `maxExecutorCores 16 is above the cluster limit maxExecutorCores 2 (ClusterGraphDataPolicy ${CLUSTER_POLICY})`,
    );
    expect(r.stderr).toContain(`mode Audit would loosen the cluster policy's mode Enforce`);
    expect(run(['get', 'graphdatapolicy', 'wide', '-n', OTHER]).code).toBe(1);
  });

  it('a cluster policy tightened below a namespace policy: that policy stops applying, and its status says why', async () => {
    const created = apply(
      namespacePolicy('equal', OTHER, { limits: { allowedRegistries: ['docker.io'], maxExecutorCores: 2 } }),
    );
    expect(created.code, created.stderr).toBe(0);
    const internal = () => executor(1, 'registry.internal/spark:3.5.1');
    await waitFor(
      async () => dryRunPod(internal(), OTHER).stderr.includes('registry-not-allowed'),
      'the namespace registry list to apply',
    );
    const patched = run([
      'patch',
      'clustergraphdatapolicy',
      CLUSTER_POLICY,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { limits: { maxExecutorCores: 1 } } }),
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    expect(patched.stderr).toContain(
      `Warning: graphdata: GraphDataPolicy ${OTHER}/equal would loosen this policy (maxExecutorCores 2 is above the cluster limit maxExecutorCores 1)`,
    );
    await waitFor(async () => dryRunPod(internal(), OTHER).code === 0, 'the namespace policy to stop applying');
    await waitFor(
      async () => ready(getJson(['graphdatapolicy', 'equal', '-n', OTHER]))?.reason === 'LoosensClusterPolicy',
      'the namespace policy status',
    );
    const condition = ready(getJson(['graphdatapolicy', 'equal', '-n', OTHER]))!;
    expect(condition.status).toBe('False');
    expect(condition.message).toContain(`namespace ${OTHER} gets ClusterGraphDataPolicy ${CLUSTER_POLICY} alone`);
    expect(condition.message).toContain('maxExecutorCores 2 is above the cluster limit maxExecutorCores 1');
  });

  it('/readyz and /metrics show the snapshot generation and that the store is synced', async () => {
    const readyz = await httpsCall(`${webhook.url}/readyz`, webhook.ca);
    expect(readyz.status).toBe(200);
    const body = JSON.parse(readyz.body);
    expect(body).toMatchObject({ status: 'ready', policyStore: { synced: true, stale: false } });
    expect(body.policy).toContain(`ClusterGraphDataPolicy ${CLUSTER_POLICY}`);
    expect(body.policyStore.generation).toBeGreaterThan(2);
    const metrics = (await httpsCall(`${webhook.url}/metrics`, webhook.ca)).body;
    expect(metrics).toMatch(/^graphdata_policy_store_synced 1$/m);
    expect(metrics).toMatch(/^graphdata_policy_snapshot_generation ([3-9]|[1-9]\d+)$/m);
  });

  it('deleting the ClusterGraphDataPolicy brings the built-in policy back', async () => {
    run(['delete', 'graphdatapolicy', 'tight', '-n', TENANT]);
    const deleted = run(['delete', 'clustergraphdatapolicy', CLUSTER_POLICY]);
    expect(deleted.code, deleted.stderr).toBe(0);
    await waitFor(
      async () => dryRunPod(executor(16, 'quay.io/acme/spark:3.5.1'), TENANT).code === 0,
      'the built-in policy to admit a quay.io image again',
    );
  });

  it('a policy whose own registries refuse the client image it injects is admitted with a warning that says so', () => {
    const blocking = {
      ...clusterPolicy({ allowedRegistries: ['registry.internal'] }),
      metadata: { name: 'store-self' },
    };
    const r = run(['create', '--dry-run=server', '-f', '-', '-o', 'name'], JSON.stringify(blocking));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'Warning: graphdata policy-blocks-itself: this policy injects the Alluxio client image alluxio/alluxio:2.9.4 (from docker.io), which its own limits.allowedRegistries (registry.internal) refuse: every pod it injects is denied',
    );
  });
});
