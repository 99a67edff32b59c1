// The policy the plugin's cluster commands use: the policy objects listed from a stand-in
// apiserver (pages followed, a missing CRD as no objects, a forbidden list as a note that
// names the permission) and compiled by the webhook's own code.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterPolicies, selectPolicies, type PolicyFallback } from '../../../../plugin/kube/cluster-policies.js';
import { BUILT_IN_POLICY } from '../../../../common/cluster-names.js';
import { defaultPolicy } from '../../../fixtures/policy.js';
import { writeKubeconfig } from '../../../support/kubeconfig.js';

const clusterObject = (name: string, created: string, spec: object = {}) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name, uid: `uid-${name}`, generation: 2, creationTimestamp: created },
  spec,
});
const namespaceObject = (name: string, namespace: string, spec: object) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'GraphDataPolicy',
  metadata: {
    name,
    namespace,
    uid: `uid-${namespace}-${name}`,
    generation: 1,
    creationTimestamp: '2026-03-01T00:00:00Z',
  },
  spec,
});

const builtIn = defaultPolicy();
const fallback: PolicyFallback = { policy: builtIn, name: BUILT_IN_POLICY, source: BUILT_IN_POLICY };

describe('selectPolicies names the policy that decides', () => {
  it('the built-in policy by its user-facing name, a cluster or namespace policy by its reference', () => {
    const none = selectPolicies([], [], fallback);
    expect(none.policyName('team-a')).toBe(BUILT_IN_POLICY);
    expect(none.clusterName).toBe(BUILT_IN_POLICY);

    const sel = selectPolicies(
      [clusterObject('platform', '2026-01-01T00:00:00Z', { limits: { maxExecutorCores: 4 } })],
      [namespaceObject('team', 'team-a', { limits: { maxExecutorCores: 2 } })],
      fallback,
    );
    expect(sel.clusterName).toBe('ClusterGraphDataPolicy/platform');
    expect(sel.policyName('team-a')).toBe('GraphDataPolicy/team-a/team');
    expect(sel.policyFor('team-a').spec.limits.maxExecutorCores).toBe(2);
    expect(sel.policyName('team-b')).toBe('ClusterGraphDataPolicy/platform');
    expect(sel.policyFor('team-b').generation).toBe(2);
  });

  it('a namespace policy over the built-in policy when there is no cluster policy', () => {
    const sel = selectPolicies([], [namespaceObject('team', 'team-a', { mode: 'Enforce' })], fallback);
    expect(sel.policyName('team-a')).toBe('GraphDataPolicy/team-a/team');
    expect(sel.policyFor('team-a').spec.mode).toBe('Enforce');
    expect(sel.policyName('elsewhere')).toBe(BUILT_IN_POLICY);
  });
});

/** What the stand-in apiserver answers per path: a list (paged two at a time) or a status code. */
let routes: Record<string, unknown[] | number> = {};
const asked: string[] = [];
let apiserver: Server;
beforeAll(async () => {
  apiserver = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    asked.push(`${url.pathname}?${url.searchParams}`);
    const route = routes[url.pathname];
    res.setHeader('content-type', 'application/json');
    if (route === undefined || typeof route === 'number') {
      const code = route ?? 404;
      res.statusCode = code;
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, message: `nope (${code})` }));
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const from = Number(url.searchParams.get('continue') ?? 0);
    const items = route.slice(from, from + limit);
    const more = from + limit < route.length ? { continue: String(from + limit) } : {};
    res.end(JSON.stringify({ apiVersion: 'graphdata.io/v1alpha1', kind: 'List', metadata: more, items }));
  });
  await new Promise<void>((ok) => apiserver.listen(0, '127.0.0.1', ok));
});
afterAll(() => apiserver.close());

const kc = () => {
  const config = new k8s.KubeConfig();
  config.loadFromFile(writeKubeconfig({ stub: `http://127.0.0.1:${(apiserver.address() as AddressInfo).port}` }));
  return config;
};
const CLUSTER_PATH = '/apis/graphdata.io/v1alpha1/clustergraphdatapolicies';
const NS_PATH = '/apis/graphdata.io/v1alpha1/namespaces/team-a/graphdatapolicies';

describe('clusterPolicies reads the policy objects as the webhook would see them', () => {
  it('follows continue tokens and compiles what it read: the oldest cluster policy, the namespace one over it', async () => {
    routes = {
      [CLUSTER_PATH]: [
        clusterObject('newer', '2026-02-01T00:00:00Z', { limits: { maxExecutorCores: 8 } }),
        clusterObject('b', '2026-01-05T00:00:00Z'),
        clusterObject('oldest', '2026-01-01T00:00:00Z', { limits: { maxExecutorCores: 4 } }),
      ],
      [NS_PATH]: [namespaceObject('team', 'team-a', { limits: { maxExecutorCores: 2 } })],
    };
    asked.length = 0;
    const sel = await clusterPolicies(kc(), fallback, { namespace: 'team-a', chunkSize: 2, verb: 'explained' });
    expect(asked.filter((a) => a.startsWith(CLUSTER_PATH))).toEqual([
      `${CLUSTER_PATH}?limit=2`,
      `${CLUSTER_PATH}?continue=2&limit=2`,
    ]);
    expect(sel.clusterName).toBe('ClusterGraphDataPolicy/oldest');
    expect(sel.policyName('team-a')).toBe('GraphDataPolicy/team-a/team');
    expect(sel.policyFor('team-a').spec.limits.maxExecutorCores).toBe(2);
    expect(sel.notes).toEqual([
      expect.stringMatching(/^ClusterGraphDataPolicy b is not used: ClusterGraphDataPolicy oldest is in effect/),
      expect.stringMatching(/^ClusterGraphDataPolicy newer is not used/),
    ]);
  });

  it('CRDs not installed: no policy objects, the built-in policy, no notes', async () => {
    routes = {};
    const sel = await clusterPolicies(kc(), fallback, { namespace: 'team-a', verb: 'explained' });
    expect(sel.policyFor('team-a')).toBe(builtIn);
    expect(sel.policyName('team-a')).toBe(BUILT_IN_POLICY);
    expect(sel.notes).toEqual([]);
  });

  it('a user who may not list them: a note naming the permission, and the built-in policy in its place', async () => {
    routes = { [CLUSTER_PATH]: 403, [NS_PATH]: 403 };
    const sel = await clusterPolicies(kc(), fallback, { namespace: 'team-a', verb: 'explained' });
    expect(sel.policyName('team-a')).toBe(BUILT_IN_POLICY);
    expect(sel.notes).toEqual([
      'cannot list clustergraphdatapolicies.graphdata.io (forbidden): your user needs RBAC list on ' +
        'clustergraphdatapolicies (API group graphdata.io, cluster-wide) to see the cluster policy the webhook ' +
        'uses; explained with the built-in policy in its place, which may not be what the webhook decides',
      'cannot list graphdatapolicies.graphdata.io in namespace team-a (forbidden): your user needs RBAC list on ' +
        'graphdatapolicies (API group graphdata.io in team-a; the graphdata-policy-view ClusterRole, aggregated ' +
        'into view, grants it); explained without namespace policies',
    ]);
  });

  it("a tenant who may list only their namespace's policies gets it laid over the built-in one, and is told", async () => {
    routes = { [CLUSTER_PATH]: 403, [NS_PATH]: [namespaceObject('team', 'team-a', { mode: 'Enforce' })] };
    const sel = await clusterPolicies(kc(), fallback, { namespace: 'team-a', verb: 'explained' });
    expect(sel.policyName('team-a')).toBe('GraphDataPolicy/team-a/team');
    expect(sel.notes).toHaveLength(1);
    expect(sel.notes[0]).toMatch(/^cannot list clustergraphdatapolicies\.graphdata\.io \(forbidden\)/);
  });

  it('any other failure is thrown for the command to report', async () => {
    routes = { [CLUSTER_PATH]: 500 };
    await expect(clusterPolicies(kc(), fallback, { verb: 'audited' })).rejects.toMatchObject({ code: 500 });
  });
});
