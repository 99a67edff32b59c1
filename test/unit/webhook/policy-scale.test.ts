// The 200-policy benchmark measures the real path: the compiled snapshot gives the
// request's namespace its own GraphDataPolicy laid over the cluster policy, other
// namespaces theirs, and the server built on it injects and admits the Kyuubi executor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  injectedReview,
  kyuubiReview,
  policyObjects,
  policyScaleServers,
  policySnapshot,
  REQUEST_NAMESPACE,
  REQUEST_NAMESPACE_CORES,
} from '../../bench/policy-scale.js';
import type { WebhookServer } from '../../../webhook/server.js';

describe('the 200-policy snapshot of the benchmark', () => {
  it('holds one ClusterGraphDataPolicy and 199 GraphDataPolicies, one in the request namespace', () => {
    const { cluster, namespaced } = policyObjects(200);
    expect(cluster).toHaveLength(1);
    expect(namespaced).toHaveLength(199);
    expect(new Set(namespaced.map((o) => o.metadata?.namespace)).size).toBe(199);
    expect(namespaced.filter((o) => o.metadata?.namespace === REQUEST_NAMESPACE)).toHaveLength(1);
    expect(policyObjects(1).namespaced).toEqual([]);
  });

  it("resolves the request's namespace to its GraphDataPolicy over the cluster policy", () => {
    const snapshot = policySnapshot(200);
    expect(snapshot.clusterPolicyName).toBe('platform');
    expect(snapshot.namespacePolicy(REQUEST_NAMESPACE)?.namespace).toBe(REQUEST_NAMESPACE);
    const effective = snapshot.policyFor(REQUEST_NAMESPACE);
    expect(effective).not.toBe(snapshot.cluster);
    expect(effective.spec.limits.maxExecutorCores).toBe(REQUEST_NAMESPACE_CORES);
    expect(snapshot.cluster.spec.limits.maxExecutorCores).toBe(16);
    // Another tenant's namespace gets its own limit, a namespace without a policy the cluster's.
    expect(snapshot.policyFor('team-007').spec.limits.maxExecutorCores).toBe(4 + 7);
    expect(snapshot.policyFor('no-policy-here')).toBe(snapshot.cluster);
    // The one-policy snapshot: the cluster policy everywhere.
    const one = policySnapshot(1);
    expect(one.policyFor(REQUEST_NAMESPACE)).toBe(one.cluster);
    expect(one.cluster.spec.limits.maxExecutorCores).toBe(16);
  });

  describe('served', () => {
    let one: WebhookServer;
    let many: WebhookServer;
    beforeAll(() => {
      [one, many] = policyScaleServers([1, 200]) as [WebhookServer, WebhookServer];
    });
    afterAll(async () => {
      await Promise.all([one.app.close(), many.app.close()]);
    });
    const post = (server: WebhookServer, url: string, payload: string) =>
      server.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

    it('/mutate injects the Kyuubi executor under the namespace policy; /validate admits the result', async () => {
      const review = kyuubiReview();
      const a = (await post(one, '/mutate', review)).json().response;
      const b = (await post(many, '/mutate', review)).json().response;
      expect(a.allowed).toBe(true);
      expect(b.allowed).toBe(true);
      // The same injection; the marker names the policy that was applied.
      const decode = (patch: string) => Buffer.from(patch, 'base64').toString();
      const marker = (patch: string) => /\\"policy\\":\\"([^\\]+)\\"/.exec(decode(patch))?.[1];
      expect(marker(a.patch)).toBe('ClusterGraphDataPolicy/platform');
      expect(marker(b.patch)).toBe(`GraphDataPolicy/${REQUEST_NAMESPACE}/team-limits`);
      expect(decode(b.patch).replace(marker(b.patch)!, '')).toBe(decode(a.patch).replace(marker(a.patch)!, ''));
      const injected = await injectedReview(many, review);
      for (const server of [one, many])
        expect((await post(server, '/validate', injected)).json().response.allowed).toBe(true);
      // The uninjected pod is denied, and the denial names the namespace policy: it was the one applied.
      const denied = (await post(many, '/validate', review)).json().response;
      expect(denied.allowed).toBe(false);
      expect(denied.status.message).toContain(`GraphDataPolicy/${REQUEST_NAMESPACE}/team-limits`);
    });
  });
});
