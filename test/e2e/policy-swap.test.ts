import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cluster, ensureNamespace, installPolicyCrds, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';
import { admissionReview, decodePatch, postJson } from '../support/webhook-client.js';

const POLICY = 'swap-platform';
const TENANT = 'swap-tenant';
const WORKERS = 16;
const run = (args: string[], input?: string) =>
  kubectl([...args, '--kubeconfig', cluster().kubeconfig], input === undefined ? {} : { input });

/** Policy variant `v`: its master host and its cache-node label value both carry `v`. */
const policy = (v: string) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: POLICY },
  spec: {
    mode: 'Audit',
    alluxio: { master: { hostname: `master-${v}` } },
    placement: { mode: 'nodeSelector', nodeLabels: { 'swap.graphdata.io/pool': `pool-${v}` } },
  },
});

let webhook: RunningWebhook;

/** The variant one /mutate answer was computed from; throws on a mix or a missing part. */
async function mutateOnce(): Promise<string> {
  const reply = await postJson(
    `${webhook.url}/mutate`,
    webhook.ca,
    admissionReview(sparkExecutorPod(), { namespace: TENANT }),
  );
  if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body}`);
  const response = reply.json().response;
  if (!response.patch) throw new Error(`no patch: ${reply.body}`);
  const text = JSON.stringify(decodePatch(response.patch));
  const masters = new Set([...text.matchAll(/alluxio\.master\.hostname=master-(\w+)/g)].map((m) => m[1]));
  const pools = new Set([...text.matchAll(/"pool-(\w+)"/g)].map((m) => m[1]));
  if (masters.size !== 1 || pools.size !== 1) throw new Error(`expected one master and one pool, got ${text}`);
  const [master] = masters;
  const [pool] = pools;
  if (master !== pool) throw new Error(`mixed snapshot: master-${master} with pool-${pool}`);
  return master!;
}

beforeAll(async () => {
  installPolicyCrds();
  await ensureNamespace(TENANT, { 'graphdata.io/inject': 'enabled' });
  run(['delete', 'clustergraphdatapolicy', POLICY, '--ignore-not-found']);
  const others = JSON.parse(run(['get', 'clustergraphdatapolicies', '-o', 'json']).stdout).items;
  expect(others, 'ClusterGraphDataPolicies left in the shared cluster by another test file').toEqual([]);
  expect(run(['apply', '-f', '-'], JSON.stringify(policy('a'))).code).toBe(0);
  webhook = await startDevWebhook(['--kubeconfig', cluster().kubeconfig]);
  await waitFor(async () => (await mutateOnce()) === 'a', 'the webhook to serve policy variant a');
});

afterAll(async () => {
  run(['delete', 'clustergraphdatapolicy', POLICY, '--ignore-not-found', '--wait=false']);
  await webhook?.stop();
});

describe('policy swap under load', () => {
  it(`${WORKERS} concurrent streams of /mutate while the policy changes six times: every answer from one snapshot`, async () => {
    const seen: string[] = [];
    const failures: string[] = [];
    let stop = false;
    const streams: string[][] = Array.from({ length: WORKERS }, () => []);
    const worker = async (mine: string[]) => {
      while (!stop) {
        try {
          const v = await mutateOnce();
          mine.push(v);
          seen.push(v);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    };
    const workers = streams.map(worker);
    const variants = ['b', 'c', 'd', 'e', 'f', 'g'];
    for (const v of variants) {
      const applied = run(['apply', '-f', '-'], JSON.stringify(policy(v)));
      expect(applied.code, applied.stderr).toBe(0);
      const before = seen.length;
      // The next change waits until this one is served and a few more answers went out.
      await waitFor(async () => seen.slice(before).includes(v) && seen.length > before + WORKERS, `variant ${v}`);
    }
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(variants.length * WORKERS);
    for (const v of variants) expect(seen, `variant ${v} served`).toContain(v);
    // Snapshots only move forward: within one stream, once a newer variant answered, an older one never does.
    const order = ['a', ...variants];
    for (const stream of streams) {
      const ranks = stream.map((v) => order.indexOf(v));
      expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    }
  }, 180_000);

  it('SIGTERM: exits 0, and the watches it aborts on the way out are not reported as failures', async () => {
    const running = webhook;
    // Only what it logs on the way out: a watch that failed earlier (the apiserver answers
    // 429 while a CRD's watch cache re-initializes) and was restored is another matter.
    const before = running.logs().length;
    expect(await running.stop()).toBe(0);
    const onTheWayOut = running.logs().slice(before);
    expect(onTheWayOut).toContain('"msg":"stopped"');
    expect(onTheWayOut).not.toMatch(/watch failed/);
  });
});
