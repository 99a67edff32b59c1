// /mutate and /validate with 200 policy objects in the snapshot beside one, in the same
// process: the real server (buildServer) over the real compile (compilePolicies), driven
// by fastify's inject so the two servers alternate request block by request block on the
// same warm process. p99 of per-request wall time, median over rounds, and the ratio.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import jsonpatch from 'fast-json-patch';
import { parse } from 'yaml';
import { createCA, issueCert } from '../../certs/pki.js';
import { defaultPolicyPath } from '../../common/policy-file.js';
import type { Policy } from '../../policies/model.js';
import { policyFromObject } from '../../policies/policy-loader.js';
import { compilePolicies, type PolicyObject, type PolicySnapshot } from '../../policies/policy-set.js';
import type { PolicyStore } from '../../webhook/policy-store.js';
import { buildServer, type WebhookServer } from '../../webhook/server.js';
import { REPO_ROOT, WEBHOOK_NODE_FLAGS } from '../support/spawn-webhook.js';
import { admissionReview } from '../support/webhook-client.js';
import { median } from './stats.js';

const { applyPatch } = jsonpatch;

/** The namespace of the Kyuubi executor fixture: the request's namespace. */
export const REQUEST_NAMESPACE = 'analytics';
/** What the request's namespace tightens maxExecutorCores to (the cluster allows 16). */
export const REQUEST_NAMESPACE_CORES = 6;

/** The built-in policy as a ClusterGraphDataPolicy object, with a cluster-wide core limit. */
function clusterObject(): PolicyObject {
  const object = parse(readFileSync(defaultPolicyPath(), 'utf8')) as PolicyObject & { spec: Record<string, any> };
  object.metadata = { ...object.metadata, name: 'platform', uid: 'cgdp-platform', creationTimestamp: '2026-01-01' };
  object.spec.limits = { ...object.spec.limits, maxExecutorCores: 16 };
  return object;
}

const namespaceObject = (namespace: string, cores: number): PolicyObject => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: {
    name: 'team-limits',
    namespace,
    uid: `gdp-${namespace}`,
    generation: 1,
    creationTimestamp: '2026-01-02T00:00:00Z',
  },
  spec: { limits: { maxExecutorCores: cores } },
});

/**
 * `count` policy objects: one ClusterGraphDataPolicy, then GraphDataPolicies in `team-NNN`
 * namespaces and, when there is room for one, one in the request's namespace.
 */
export function policyObjects(count: number): { cluster: PolicyObject[]; namespaced: PolicyObject[] } {
  const namespaced: PolicyObject[] = [];
  for (let i = 1; i < count - 1; i++)
    namespaced.push(namespaceObject(`team-${String(i).padStart(3, '0')}`, 4 + (i % 12)));
  if (count > 1) namespaced.push(namespaceObject(REQUEST_NAMESPACE, REQUEST_NAMESPACE_CORES));
  return { cluster: [clusterObject()], namespaced };
}

/** The compiled snapshot of `policyObjects(count)`, as the webhook's informers would hand it over. */
export function policySnapshot(count: number): PolicySnapshot {
  const { cluster, namespaced } = policyObjects(count);
  const { snapshot, statuses } = compilePolicies({
    clusterObjects: cluster,
    namespaceObjects: namespaced,
    fallback: defaultPolicy(),
    fallbackSource: 'built-in default policy',
    generation: 1,
  });
  // Measure the real path: every object compiled and in effect, none fell back.
  const notReady = statuses.filter((s) => s.status.conditions.some((c) => c.type === 'Ready' && c.status !== 'True'));
  if (snapshot.clusterPolicyName !== 'platform' || notReady.length || statuses.length !== count) {
    throw new Error(`the ${count}-policy snapshot is not what the bench means: ${JSON.stringify(notReady[0]?.status)}`);
  }
  return snapshot;
}

function defaultPolicy(): Policy {
  const loaded = policyFromObject(parse(readFileSync(defaultPolicyPath(), 'utf8')));
  if (!loaded.policy) throw new Error('the built-in policy does not load');
  return loaded.policy;
}

const storeOf = (snapshot: PolicySnapshot): PolicyStore => ({
  snapshot: () => snapshot,
  source: `cluster (${snapshot.source})`,
  health: () => ({ synced: true, stale: false, generation: snapshot.generation }),
});

/** A server per snapshot, the same certificate, logging off (the same for both, and no I/O noise). */
export function policyScaleServers(counts: number[]): WebhookServer[] {
  const ca = createCA({ commonName: 'graphdata-bench-ca' });
  const leaf = issueCert({ ca, commonName: 'graphdata-webhook', ipAddresses: ['127.0.0.1'], usage: 'server' });
  return counts.map((count) =>
    buildServer({
      tls: { cert: leaf.certPem, key: leaf.keyPem },
      policies: storeOf(policySnapshot(count)),
      logger: false,
    }),
  );
}

/** The realistic review, in the request's namespace. */
export function kyuubiReview(): string {
  const pod = parse(readFileSync(join(REPO_ROOT, 'test/fixtures/manifests/spark-executor-kyuubi.yaml'), 'utf8'));
  return JSON.stringify(admissionReview(pod, { namespace: REQUEST_NAMESPACE }));
}

/** What the apiserver sends /validate after /mutate: the same review with the pod as `server` injected it. */
export async function injectedReview(server: WebhookServer, review: string): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/mutate', headers: JSON_TYPE, payload: review });
  const patch = res.json().response?.patch;
  if (!patch) throw new Error(`/mutate answered no patch: ${res.body.slice(0, 300)}`);
  const parsed = JSON.parse(review);
  parsed.request.object = applyPatch(
    parsed.request.object,
    JSON.parse(Buffer.from(patch, 'base64').toString()),
  ).newDocument;
  return JSON.stringify(parsed);
}

export interface PolicyScaleCase {
  route: '/mutate' | '/validate';
  bodyBytes: number;
  /** Requests per server per round. */
  requests: number;
  rounds: number;
  onePolicyP99Ms: number;
  manyPoliciesP99Ms: number;
  policies: number;
  p99Ratio: number;
  errors: number;
}

const JSON_TYPE = { 'content-type': 'application/json' };

const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
};

/** Per-request times of `n` sequential injects; a non-200 answer counts as an error. */
async function block(server: WebhookServer, route: string, body: string, n: number) {
  const times: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const res = await server.app.inject({
      method: 'POST',
      url: route,
      headers: JSON_TYPE,
      payload: body,
    });
    times.push(performance.now() - start);
    if (res.statusCode !== 200 || !res.json().response?.allowed) errors++;
  }
  return { p99Ms: p99(times), errors };
}

/** 1 policy beside `policies`, alternating block by block (which goes first alternates too). */
export async function benchPolicyScale(opts: { rounds: number; requests: number; policies?: number }) {
  const policies = opts.policies ?? 200;
  const [one, many] = policyScaleServers([1, policies]) as [WebhookServer, WebhookServer];
  const review = kyuubiReview();
  const bodies = { '/mutate': review, '/validate': await injectedReview(many, review) };
  const cases: PolicyScaleCase[] = [];
  try {
    for (const route of ['/mutate', '/validate'] as const) {
      const body = bodies[route];
      await block(one, route, body, opts.requests); // warm-up: JIT, first-request set-up
      await block(many, route, body, opts.requests);
      const a: number[] = [];
      const b: number[] = [];
      let errors = 0;
      for (let i = 0; i < opts.rounds; i++) {
        const order = i % 2 ? ([many, one] as const) : ([one, many] as const);
        for (const server of order) {
          const r = await block(server, route, body, opts.requests);
          (server === one ? a : b).push(r.p99Ms);
          errors += r.errors;
        }
      }
      const onePolicyP99Ms = median(a);
      const manyPoliciesP99Ms = median(b);
      cases.push({
        route,
        bodyBytes: Buffer.byteLength(body),
        requests: opts.requests,
        rounds: opts.rounds,
        onePolicyP99Ms,
        manyPoliciesP99Ms,
        policies,
        p99Ratio: manyPoliciesP99Ms / Math.max(onePolicyP99Ms, 1e-9),
        errors,
      });
    }
  } finally {
    await Promise.all([one.app.close(), many.app.close()]);
  }
  return cases;
}

/** `benchPolicyScale` in a fresh process on `node` with the webhook's V8 flags (policy-scale-main.ts says why). */
export function benchPolicyScaleApart(opts: {
  rounds: number;
  requests: number;
  node: string;
}): Promise<PolicyScaleCase[]> {
  const main = join(REPO_ROOT, 'dist/test/bench/policy-scale-main.js');
  const args = [...WEBHOOK_NODE_FLAGS, main, String(opts.rounds), String(opts.requests)];
  return new Promise((resolve, reject) => {
    execFile(opts.node, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the policy-count phase failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as PolicyScaleCase[]);
    });
  });
}
