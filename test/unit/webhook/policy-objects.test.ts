// The webhook's policies: GraphDataPolicy objects checked against the cluster policy in
// effect (loosening denied, schema errors as --policy FILE words them), the snapshot a
// request reads, and what /readyz and /metrics say about the store.
import { BUILT_IN_POLICY, BUILT_IN_POLICY_NAME } from '../../../common/cluster-names.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import { formatDiagnostic } from '../../../policies/diagnostics.js';
import { policyFromObject } from '../../../policies/policy-loader.js';
import { compilePolicies, type PolicySnapshot } from '../../../policies/policy-set.js';
import type { PolicyStore, PolicyStoreHealth } from '../../../webhook/policy-store.js';
import { buildServer, type WebhookServer } from '../../../webhook/server.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { admissionReview, httpsCall, postJson } from '../../support/webhook-client.js';

const CLUSTER = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: 'platform', uid: 'c1', generation: 1, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    mode: 'Enforce',
    // The Alluxio client image it injects comes from its own registry, or it would refuse its own pods.
    images: { mirrors: [{ from: 'docker.io', to: 'registry.internal' }] },
    limits: { allowedRegistries: ['registry.internal'], maxExecutorCores: 8 },
  },
};
const TEAM_A = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name: 'team', namespace: 'team-a', uid: 'n1', generation: 1, creationTimestamp: '2026-01-02T00:00:00Z' },
  spec: { limits: { maxExecutorCores: 2 } },
};

/** A store whose snapshot and health the test swaps, as the informers would. */
class TestStore implements PolicyStore {
  current: PolicySnapshot;
  state: PolicyStoreHealth = { synced: true, stale: false, generation: 1 };
  constructor(clusterObjects: unknown[], namespaceObjects: unknown[]) {
    this.current = compile(clusterObjects, namespaceObjects, 1);
  }
  snapshot = () => this.current;
  health = () => ({ ...this.state, generation: this.current.generation });
  get source() {
    return `cluster (${this.current.source})`;
  }
}
const compile = (clusterObjects: unknown[], namespaceObjects: unknown[], generation: number) =>
  compilePolicies({
    clusterObjects: clusterObjects as never,
    namespaceObjects: namespaceObjects as never,
    fallback: defaultPolicy(),
    fallbackSource: BUILT_IN_POLICY,
    generation,
  }).snapshot;

let server: WebhookServer;
let store: TestStore;
let ca: string;
const url = (path: string) => `https://127.0.0.1:${(server.app.server.address() as { port: number }).port}${path}`;

beforeAll(async () => {
  const authority = createCA({ commonName: 'test-ca' });
  const serving = issueCert({ ca: authority, commonName: 'w', ipAddresses: ['127.0.0.1'], usage: 'server' });
  ca = authority.certPem;
  store = new TestStore([CLUSTER], [TEAM_A]);
  server = buildServer({ tls: { cert: serving.certPem, key: serving.keyPem }, policies: store, logger: false });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server.shutdown();
});

function policyReview(object: Record<string, any>, operation = 'CREATE') {
  const kind = object.kind as string;
  return admissionReview(object as never, {
    kind: { group: 'graphdata.io', version: 'v1alpha1', kind },
    resource: {
      group: 'graphdata.io',
      version: 'v1alpha1',
      resource: kind === 'GraphDataPolicy' ? 'graphdatapolicies' : 'clustergraphdatapolicies',
    },
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    operation,
  });
}
const gdp = (name: string, namespace: string, spec: Record<string, unknown>) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: { name, namespace },
  spec,
});
const answer = async (body: unknown) => {
  const reply = await postJson(url('/validate'), ca, body);
  expect(reply.status).toBe(200);
  return reply.json().response;
};

describe('POST /validate on graphdata policies', () => {
  it('denies a GraphDataPolicy that loosens the cluster policy, naming the cluster limit and policy', async () => {
    const response = await answer(
      policyReview(gdp('wide', 'team-b', { limits: { allowedRegistries: ['quay.io'], maxExecutorCores: 32 } })),
    );
    expect(response.allowed).toBe(false);
    expect(response.status.code).toBe(403);
    expect(response.status.message).toContain(
      'registry quay.io is outside the cluster limit allowedRegistries [registry.internal] (ClusterGraphDataPolicy platform) (spec.limits.allowedRegistries[0])',
    );
    expect(response.status.message).toContain(
      'maxExecutorCores 32 is above the cluster limit maxExecutorCores 8 (ClusterGraphDataPolicy platform)',
    );
  });

  it('checks against the cluster policy even where a namespace policy is in effect', async () => {
    // team-a's own policy caps cores at 2; a replacement may raise that up to the cluster's 8.
    const response = await answer(policyReview(gdp('team', 'team-a', { limits: { maxExecutorCores: 6 } }), 'UPDATE'));
    expect(response.allowed).toBe(true);
  });

  it('admits a tightening policy', async () => {
    const response = await answer(
      policyReview(
        gdp('tight', 'team-b', {
          mode: 'Enforce',
          // Narrower than the cluster's registry, and still holding the client image its mirror names.
          limits: { allowedRegistries: ['registry.internal/b', 'registry.internal/alluxio'] },
        }),
      ),
    );
    expect(response).toMatchObject({ allowed: true });
    expect(response.warnings).toBeUndefined();
  });

  it('denies a policy that fails the schema with the messages --policy FILE gives', async () => {
    const bad = gdp('typo', 'team-b', { limits: { maxExecutorCore: 4 }, mode: 'enforce' });
    const response = await answer(policyReview(bad));
    expect(response.allowed).toBe(false);
    const expected = policyFromObject(bad).diagnostics.map(formatDiagnostic);
    expect(expected.length).toBeGreaterThan(1);
    for (const line of expected) expect(response.status.message).toContain(line);
  });

  it('warns at creation of a policy whose own limits refuse the client image it injects, and admits it', async () => {
    const { images: _mirrored, ...blocking } = CLUSTER.spec;
    const response = await answer(policyReview({ ...CLUSTER, spec: blocking }, 'UPDATE'));
    expect(response.allowed).toBe(true);
    expect(response.warnings).toEqual([
      expect.stringContaining(
        'graphdata policy-blocks-itself: this policy injects the Alluxio client image alluxio/alluxio:2.9.4 (from docker.io), which its own limits.allowedRegistries (registry.internal) refuse: every pod it injects is denied',
      ),
    ]);
    // A namespace policy that brings the conflict (its registries exclude the cluster's mirror) is told too.
    const narrowed = await answer(
      policyReview(gdp('narrow', 'team-b', { limits: { allowedRegistries: ['registry.internal/team-b'] } })),
    );
    expect(narrowed.allowed).toBe(true);
    expect(narrowed.warnings).toEqual([
      expect.stringContaining('graphdata policy-blocks-itself: the cluster policy injects here'),
    ]);
  });

  it('warns that a second policy in a namespace or cluster will not be in effect', async () => {
    const second = await answer(policyReview(gdp('another', 'team-a', {})));
    expect(second.allowed).toBe(true);
    expect(second.warnings).toEqual([
      'graphdata: GraphDataPolicy team is in effect in team-a; this one will not be (one applies per namespace, the oldest)',
    ]);
    const cluster = await answer(policyReview({ ...CLUSTER, metadata: { name: 'other' } }));
    expect(cluster.warnings).toEqual([expect.stringContaining('ClusterGraphDataPolicy platform is in effect')]);
  });

  it("warns that a ClusterGraphDataPolicy named as the built-in policy records the built-in policy's reference", async () => {
    expect(defaultPolicy().name).toBe(BUILT_IN_POLICY_NAME);
    const named = await answer(policyReview({ ...CLUSTER, metadata: { name: BUILT_IN_POLICY_NAME } }));
    expect(named.allowed).toBe(true);
    expect(named.warnings?.[0]).toBe(
      'graphdata: pods this policy injects record ClusterGraphDataPolicy/default, as pods the built-in policy ' +
        'injected do, so their graphdata.io/injected record cannot say which one it was; another name avoids that',
    );
    // Said when it is created, not on every later update.
    const updated = await answer(policyReview({ ...CLUSTER, metadata: { name: BUILT_IN_POLICY_NAME } }, 'UPDATE'));
    expect(updated.warnings ?? []).not.toContainEqual(expect.stringContaining('cannot say which'));
  });
});

describe('changing the cluster policy', () => {
  it('warns which namespace policies a tighter cluster policy would stop applying', async () => {
    const tighter = { ...CLUSTER, spec: { ...CLUSTER.spec, limits: { ...CLUSTER.spec.limits, maxExecutorCores: 1 } } };
    const response = await answer(policyReview(tighter, 'UPDATE'));
    expect(response.allowed).toBe(true);
    expect(response.warnings).toEqual([
      'graphdata: GraphDataPolicy team-a/team would loosen this policy (maxExecutorCores 2 is above the cluster limit maxExecutorCores 1) and stops applying until it is fixed',
    ]);
    // A change that keeps every namespace policy a tightening says nothing.
    const same = await answer(policyReview({ ...CLUSTER, spec: { ...CLUSTER.spec, mode: 'Audit' } }, 'UPDATE'));
    expect(same.warnings).toBeUndefined();
  });
});

describe('the snapshot a request reads', () => {
  it('pods are checked and injected under their namespace effective policy', async () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.image = 'registry.internal/spark:3.5.1';
    pod.spec!.containers[0]!.env = [{ name: 'SPARK_EXECUTOR_CORES', value: '4' }];
    pod.metadata!.labels!['graphdata.io/inject'] = 'false';
    const inB = await answer(admissionReview(pod, { namespace: 'team-b' }));
    const inA = await answer(admissionReview(pod, { namespace: 'team-a' }));
    expect(inB.status?.message ?? '').not.toContain('executor-cores-over-limit');
    expect(inA.allowed).toBe(false);
    expect(inA.status.message).toContain('executor cores 4 exceed the policy maximum of 2');
  });

  it('a swapped snapshot applies to the next request', async () => {
    const saved = store.current;
    try {
      store.current = compile([{ ...CLUSTER, spec: { mode: 'Enforce', limits: { maxExecutorCores: 1 } } }], [], 2);
      const response = await answer(policyReview(gdp('x', 'team-b', { limits: { maxExecutorCores: 4 } })));
      expect(response.status.message).toContain('above the cluster limit maxExecutorCores 1');
    } finally {
      store.current = saved;
    }
  });
});

describe('/readyz and /metrics', () => {
  it('not ready until the policies are synced; stale keeps it ready and says so', async () => {
    try {
      store.state = { synced: false, stale: false, generation: 0 };
      const before = await httpsCall(url('/readyz'), ca);
      expect(before.status).toBe(503);
      expect(JSON.parse(before.body).status).toBe('policies not synced');
      expect(await httpsCall(url('/metrics'), ca).then((r) => r.body)).toMatch(/^graphdata_policy_store_synced 0$/m);

      store.state = { synced: true, stale: true, generation: 1, lastError: 'connect ECONNREFUSED' };
      const stale = await httpsCall(url('/readyz'), ca);
      expect(stale.status).toBe(200);
      expect(JSON.parse(stale.body)).toMatchObject({
        status: 'ready',
        policy: 'cluster (ClusterGraphDataPolicy platform)',
        policyStore: { synced: true, stale: true, generation: 1, lastError: 'connect ECONNREFUSED' },
      });
      const metrics = (await httpsCall(url('/metrics'), ca)).body;
      expect(metrics).toMatch(/^graphdata_policy_store_synced 0$/m);
      expect(metrics).toMatch(/^graphdata_policy_snapshot_generation 1$/m);
    } finally {
      store.state = { synced: true, stale: false, generation: 1 };
    }
    expect(await httpsCall(url('/metrics'), ca).then((r) => r.body)).toMatch(/^graphdata_policy_store_synced 1$/m);
  });
});
