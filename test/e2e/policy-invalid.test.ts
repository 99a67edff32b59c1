// A GraphDataPolicy whose spec the apiserver stores but the policy schema rejects: the
// CRD cannot express every check (a pattern on map keys), and the validating webhook that
// would deny it at the door may have been down or not yet registered. The webhook's store
// must then keep the generation in effect before (or the cluster policy), say in the
// object's status what to change, and `kubectl graphdata status` must show it.
// Only the mutating webhook (failurePolicy Ignore) is registered here, so the object gets in.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { cluster, ensureNamespace, installPolicyCrds, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const NAME = 'graphdata-invalid-policy';
const TENANT = 'invalid-policy-tenant';
const FRESH = 'invalid-policy-fresh';
const POLICY = 'readtype';
const kubeconfigFlag = () => ['--kubeconfig', cluster().kubeconfig];
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);

let webhook: RunningWebhook;

const run = (args: string[], input?: string) =>
  kubectl([...args, ...kubeconfigFlag()], input === undefined ? {} : { input });
const getJson = (what: string[]) => {
  const r = run(['get', ...what, '-o', 'json']);
  if (r.code !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
};
const namespacePolicy = (name: string, namespace: string, properties: Record<string, string>) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name, namespace },
  spec: { alluxio: { properties } },
});
type Condition = { type: string; status: string; reason?: string; message?: string };
const condition = (obj: { status?: { conditions?: Condition[] } }, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type);

/** The injected executor's JAVA_TOOL_OPTIONS, from a server-side dry run (nothing is stored). */
function javaOptions(namespace: string): string {
  const pod: Pod = sparkExecutorPod();
  const r = run(
    ['create', '--dry-run=server', '-f', '-', '-o', 'json'],
    JSON.stringify({ ...pod, metadata: { ...pod.metadata, namespace } }),
  );
  if (r.code !== 0) throw new Error(r.stderr);
  const created = JSON.parse(r.stdout) as Pod;
  return created.spec!.containers[0]!.env?.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value ?? '';
}

async function cleanUp(): Promise<void> {
  await admission()
    .deleteMutatingWebhookConfiguration({ name: NAME })
    .catch(() => undefined);
  for (const ns of [TENANT, FRESH]) run(['delete', 'graphdatapolicies', '--all', '-n', ns, '--ignore-not-found']);
}

beforeAll(async () => {
  installPolicyCrds();
  await ensureNamespace(TENANT, { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace(FRESH, { 'graphdata.io/inject': 'enabled' });
  await cleanUp();
  webhook = await startDevWebhook(['--kubeconfig', cluster().kubeconfig]);
  await admission().createMutatingWebhookConfiguration({
    body: mutatingWebhookConfiguration({
      name: NAME,
      endpoint: { url: webhook.url },
      caBundle: webhook.ca,
      ownNamespace: 'graphdata-system',
    }),
  });
  // The apiserver loads webhook configurations through an informer: wait until it calls ours.
  await waitFor(async () => javaOptions(TENANT).includes('-Dalluxio.'), 'the mutating webhook');
});

afterAll(async () => {
  await cleanUp();
  await webhook?.stop();
});

describe('an invalid GraphDataPolicy through the apiserver', () => {
  it('a valid generation applies first', async () => {
    const created = run(
      ['apply', '-f', '-'],
      JSON.stringify(namespacePolicy(POLICY, TENANT, { 'alluxio.user.file.readtype.default': 'CACHE' })),
    );
    expect(created.code, created.stderr).toBe(0);
    await waitFor(
      async () => javaOptions(TENANT).includes('-Dalluxio.user.file.readtype.default=CACHE'),
      'the namespace policy to apply',
    );
    await waitFor(
      async () => condition(getJson(['graphdatapolicy', POLICY, '-n', TENANT]), 'Ready')?.status === 'True',
      'Ready True',
    );
  });

  it('an invalid new generation is stored: Ready False says what to change, the last good one applies', async () => {
    // The apiserver accepts a property key outside alluxio.*: the CRD cannot check map keys.
    const patched = run([
      'patch',
      'graphdatapolicy',
      POLICY,
      '-n',
      TENANT,
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: {
          alluxio: {
            properties: { 'alluxio.user.file.readtype.default': 'CACHE_PROMOTE', 'user.readtype': 'NO_CACHE' },
          },
        },
      }),
    ]);
    expect(patched.code, patched.stderr).toBe(0);
    await waitFor(async () => {
      const obj = getJson(['graphdatapolicy', POLICY, '-n', TENANT]);
      return obj.status?.observedGeneration === 2 && condition(obj, 'Ready')?.status === 'False';
    }, 'the status of generation 2');
    const obj = getJson(['graphdatapolicy', POLICY, '-n', TENANT]);
    expect(obj.metadata.generation).toBe(2);
    expect(condition(obj, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: 'generation 2 is invalid (see the Invalid condition); generation 1 stays in effect',
    });
    expect(condition(obj, 'Invalid')).toMatchObject({ status: 'True', reason: 'SchemaInvalid' });
    expect(condition(obj, 'Invalid')!.message).toBe(
      'error policy-pattern: key "user.readtype" does not match ^alluxio(\\.[A-Za-z0-9_-]+)+$ (spec.alluxio.properties["user.readtype"])',
    );
    // Pods keep getting generation 1: neither the changed value nor the bad key.
    const options = javaOptions(TENANT);
    expect(options).toMatch(/-Dalluxio\.user\.file\.readtype\.default=CACHE(\s|$)/);
    expect(options).not.toContain('CACHE_PROMOTE');
    expect(options).not.toContain('user.readtype=');
  });

  it('kubectl graphdata status shows it as Ready False: Invalid', () => {
    const json = run(['graphdata', 'status', '-o', 'json']);
    expect(JSON.parse(json.stdout).policies).toContainEqual({
      name: POLICY,
      namespace: TENANT,
      generation: 2,
      ready: { status: 'False', reason: 'Invalid', observedGeneration: 2 },
    });
    expect(run(['graphdata', 'status']).stdout).toContain(`${TENANT}/${POLICY} (generation 2, Ready False: Invalid)`);
  });

  it('an invalid policy that never compiled is not in effect: the namespace gets the cluster policy', async () => {
    const created = run(
      ['create', '-f', '-'],
      JSON.stringify(namespacePolicy(POLICY, FRESH, { 'user.readtype': 'NO_CACHE' })),
    );
    expect(created.code, created.stderr).toBe(0);
    await waitFor(
      async () => condition(getJson(['graphdatapolicy', POLICY, '-n', FRESH]), 'Ready')?.reason === 'Invalid',
      'the status of the fresh policy',
    );
    expect(condition(getJson(['graphdatapolicy', POLICY, '-n', FRESH]), 'Ready')!.message).toBe(
      'generation 1 is invalid (see the Invalid condition) and not in effect',
    );
    const options = javaOptions(FRESH);
    expect(options).toContain('-Dalluxio.');
    expect(options).not.toContain('user.readtype=');
    expect(options).not.toContain('readtype.default=CACHE');
  });

  it('fixed, the new generation applies', async () => {
    const fixed = run([
      'patch',
      'graphdatapolicy',
      POLICY,
      '-n',
      TENANT,
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'remove', path: '/spec/alluxio/properties/user.readtype' }]),
    ]);
    expect(fixed.code, fixed.stderr).toBe(0);
    await waitFor(
      async () => javaOptions(TENANT).includes('-Dalluxio.user.file.readtype.default=CACHE_PROMOTE'),
      'the fixed generation to apply',
    );
    await waitFor(
      async () => condition(getJson(['graphdatapolicy', POLICY, '-n', TENANT]), 'Ready')?.status === 'True',
      'Ready True again',
    );
  });
});
