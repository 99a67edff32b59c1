// The policy CRDs deleted while the webhook runs (an uninstall of the CRDs, a GitOps tool
// pruning them): the objects are gone, so the webhook falls back to its default policy as at
// start-up and /readyz says the CRDs are missing; re-created, they are watched again. This
// file deletes the CRDs of the shared control plane and always puts them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { policyCrds } from '../../policies/policy-crds.js';
import { cluster, installPolicyCrds, waitFor } from '../cluster/kube.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';
import { httpsCall } from '../support/webhook-client.js';

const POLICY = 'crd-removal-e2e';
const run = (args: string[], input?: string) =>
  kubectl([...args, '--kubeconfig', cluster().kubeconfig], input === undefined ? {} : { input });
const applyPolicy = () => {
  const r = run(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: POLICY },
      spec: { mode: 'Enforce' },
    }),
  );
  if (r.code !== 0) throw new Error(r.stderr);
};

interface Readyz {
  status: string;
  policy: string;
  policyStore: { synced: boolean; stale: boolean; generation: number; missingCrds?: string[] };
}

let webhook: RunningWebhook;
const readyz = async (): Promise<{ code: number; body: Readyz }> => {
  const r = await httpsCall(`${webhook.url}/readyz`, webhook.ca);
  return { code: r.status, body: JSON.parse(r.body) as Readyz };
};

beforeAll(async () => {
  installPolicyCrds();
  run(['delete', 'clustergraphdatapolicy', POLICY, '--ignore-not-found']);
  webhook = await startDevWebhook(['--kubeconfig', cluster().kubeconfig]);
  await waitFor(async () => (await readyz()).code === 200, 'the webhook to list the policies');
}, 120_000);

afterAll(async () => {
  installPolicyCrds(); // whatever happened above, the next file finds them
  run(['delete', 'clustergraphdatapolicy', POLICY, '--ignore-not-found']);
  await webhook?.stop();
}, 120_000);

describe('policy CRDs deleted while the webhook runs', () => {
  it('falls back to the built-in policy, stays ready, says which CRDs are missing, and picks them up again', async () => {
    applyPolicy();
    await waitFor(
      async () => (await readyz()).body.policy === `cluster (ClusterGraphDataPolicy ${POLICY})`,
      'the cluster policy in effect',
    );

    const crds = policyCrds().map((c) => `crd/${c.metadata.name}`);
    const deleted = run(['delete', ...crds, '--wait=true', '--timeout=60s']);
    expect(deleted.code, deleted.stderr).toBe(0);
    // The objects go first (the CRD's finalizer deletes them), then the CRDs: the store notices
    // when its informers list again and find nothing served.
    await waitFor(
      async () => (await readyz()).body.policyStore.missingCrds?.length === 2,
      'the store to see both CRDs gone',
      40_000,
    );
    const gone = await readyz();
    expect(gone.body.policy).toBe(`cluster (${BUILT_IN_POLICY})`);
    expect(gone.code).toBe(200); // the validating webhook fails closed: never unready for this
    expect(gone.body.policyStore).toMatchObject({
      synced: true,
      stale: false,
      missingCrds: ['ClusterGraphDataPolicy', 'GraphDataPolicy'],
    });
    expect(webhook.logs()).toContain('policy CRD removed; its objects no longer apply');

    installPolicyCrds();
    applyPolicy();
    // Each kind is asked for on its own 15 s probe: the cluster policy can be back in effect
    // while the other kind is still listed as missing, so wait for both.
    await waitFor(
      async () => {
        const { body } = await readyz();
        return (
          body.policy === `cluster (ClusterGraphDataPolicy ${POLICY})` && body.policyStore.missingCrds === undefined
        );
      },
      'the re-created CRDs and policy to be watched',
      60_000,
    );
    const back = await readyz();
    expect(back.code).toBe(200);
    expect(back.body.policyStore).toMatchObject({ synced: true, stale: false });
  }, 180_000);
});
