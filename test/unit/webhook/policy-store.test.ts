// watchPolicies against a small fake apiserver (list, watch, PUT status): snapshots follow
// the watch, status is written once per change, a broken watch serves the last good
// snapshot and says so, and a policy CRD that is not installed counts as no policies.
import { BUILT_IN_POLICY } from '../../../common/cluster-names.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyObject } from '../../../policies/policy-set.js';
import { type ClusterPolicyStore, watchPolicies } from '../../../webhook/policy-store.js';
import { defaultPolicy } from '../../fixtures/policy.js';

const BASE = '/apis/graphdata.io/v1alpha1';

class FakeApiserver {
  objects: Record<'clustergraphdatapolicies' | 'graphdatapolicies', PolicyObject[]> = {
    clustergraphdatapolicies: [],
    graphdatapolicies: [],
  };
  notInstalled = new Set<string>();
  down = false;
  statusWrites: { path: string; body: any }[] = [];
  /** Status PUTs answered with this code before they succeed (one entry per attempt). */
  statusFailures: number[] = [];
  statusAttempts = 0;
  watches = new Set<ServerResponse>();
  rv = 10;
  server: Server;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
  /** Sends a watch event to every open watch of the plural. */
  emit(plural: keyof FakeApiserver['objects'], type: 'ADDED' | 'MODIFIED' | 'DELETED', object: PolicyObject) {
    object.metadata!.resourceVersion = String(++this.rv);
    const list = this.objects[plural].filter((o) => o.metadata?.uid !== object.metadata?.uid);
    this.objects[plural] = type === 'DELETED' ? list : [...list, object];
    for (const w of this.watches) {
      if ((w as ServerResponse & { plural?: string }).plural === plural)
        w.write(`${JSON.stringify({ type, object })}\n`);
    }
  }
  cut(): void {
    this.down = true;
    for (const w of this.watches) w.destroy();
    this.watches.clear();
  }
  private handle(req: IncomingMessage, res: ServerResponse): unknown {
    const url = new URL(req.url!, 'http://x');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (this.down) return json(503, { kind: 'Status', code: 503, message: 'apiserver is down' });
    const m = /^\/apis\/graphdata\.io\/v1alpha1\/(?:namespaces\/([^/]+)\/)?(\w+)(?:\/([^/]+)\/status)?$/.exec(
      url.pathname,
    );
    const plural = m?.[2] as keyof FakeApiserver['objects'] | undefined;
    if (!m || !plural || !(plural in this.objects)) return json(404, { kind: 'Status', code: 404 });
    if (this.notInstalled.has(plural)) return json(404, { kind: 'Status', code: 404, message: 'not found' });
    if (req.method === 'PUT' && m[3]) {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        this.statusAttempts++;
        const failure = this.statusFailures.shift();
        if (failure) return json(failure, { kind: 'Status', code: failure, message: 'no' });
        const parsed = JSON.parse(body);
        this.statusWrites.push({ path: url.pathname, body: parsed });
        json(200, parsed);
      });
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      Object.assign(res, { plural });
      res.flushHeaders();
      this.watches.add(res);
      res.on('close', () => this.watches.delete(res));
      return;
    }
    json(200, {
      kind: 'List',
      apiVersion: 'graphdata.io/v1alpha1',
      metadata: { resourceVersion: String(this.rv) },
      items: this.objects[plural],
    });
  }
}

const cgdp = (name: string, generation: number, spec: Record<string, unknown>): PolicyObject => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name, uid: `uid-${name}`, generation, creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '1' },
  spec,
});

function kubeConfigFor(server: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'u' }],
    currentContext: 'fake',
  });
  return kc;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let api: FakeApiserver;
let store: ClusterPolicyStore | undefined;
const logs: string[] = [];
const log = { info: (_o: object, msg: string) => logs.push(msg), warn: (_o: object, msg: string) => logs.push(msg) };

/** Starts a fake apiserver; returns its URL. */
async function open(): Promise<string> {
  api = new FakeApiserver();
  return api.start();
}
async function watch(url: string, crdRetryMs?: number): Promise<ClusterPolicyStore> {
  store = await watchPolicies(kubeConfigFor(url), {
    fallback: defaultPolicy(),
    fallbackSource: BUILT_IN_POLICY,
    log,
    retryMs: 100,
    debounceMs: 5,
    ...(crdRetryMs ? { crdRetryMs } : {}),
  });
  return store;
}

afterEach(async () => {
  await store?.stop();
  store = undefined;
  await api?.stop();
  logs.length = 0;
});

describe('watchPolicies', () => {
  it('compiles what it lists, follows the watch, and writes status once per change', async () => {
    const url = await open();
    api.objects.clustergraphdatapolicies = [cgdp('platform', 1, { mode: 'Enforce', limits: { maxCnReplicas: 4 } })];
    const s = await watch(url);
    await s.synced;
    expect(s.snapshot().cluster.spec.limits.maxCnReplicas).toBe(4);
    expect(s.source).toBe('cluster (ClusterGraphDataPolicy platform)');
    expect(s.health()).toMatchObject({ synced: true, stale: false, generation: 1 });
    await until(() => api.statusWrites.length === 1, 'the first status write');
    const write = api.statusWrites[0]!;
    expect(write.path).toBe(`${BASE}/clustergraphdatapolicies/platform/status`);
    expect(write.body.metadata.resourceVersion).toBe('1'); // conditional on what it read
    expect(write.body.status.observedGeneration).toBe(1);
    expect(write.body.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Ready',
        status: 'True',
        reason: 'InEffect',
        lastTransitionTime: expect.any(String),
      }),
    );

    // The status write comes back as an event with the same generation: nothing to compile or write.
    api.emit('clustergraphdatapolicies', 'MODIFIED', { ...write.body });
    await new Promise((r) => setTimeout(r, 100));
    expect(s.snapshot().generation).toBe(1);
    expect(api.statusWrites).toHaveLength(1);

    // A spec change: a new snapshot, applied to the next read.
    const before = s.snapshot();
    api.emit('clustergraphdatapolicies', 'MODIFIED', {
      ...cgdp('platform', 2, { mode: 'Enforce', limits: { maxCnReplicas: 2 } }),
      status: write.body.status,
    });
    await until(() => s.snapshot().generation === 2, 'the second snapshot');
    expect(s.snapshot().cluster.spec.limits.maxCnReplicas).toBe(2);
    expect(before.cluster.spec.limits.maxCnReplicas).toBe(4); // a snapshot already taken never changes
    await until(() => api.statusWrites.length === 2, 'the second status write');
    expect(api.statusWrites[1]!.body.status.observedGeneration).toBe(2);

    // Deleted: the built-in policy is the cluster policy again.
    api.emit('clustergraphdatapolicies', 'DELETED', cgdp('platform', 2, {}));
    await until(() => s.snapshot().generation === 3, 'the third snapshot');
    expect(s.snapshot().cluster.name).toBe('default');
    expect(s.snapshot().source).toBe(BUILT_IN_POLICY);
  });

  it('a broken watch keeps the last good snapshot and says stale until the apiserver answers again', async () => {
    const url = await open();
    api.objects.clustergraphdatapolicies = [cgdp('platform', 1, { limits: { maxCnReplicas: 4 } })];
    const s = await watch(url);
    await s.synced;
    await until(() => api.watches.size === 2, 'both watches');
    api.cut();
    await until(() => s.health().stale, 'the store to say stale');
    expect(s.health()).toMatchObject({ synced: true, stale: true, generation: 1 });
    expect(s.health().lastError).toBeTruthy();
    expect(s.snapshot().cluster.spec.limits.maxCnReplicas).toBe(4);
    expect(logs).toContain('policy watch failed; serving the last good policy snapshot, retrying');
    api.down = false;
    await until(() => !s.health().stale, 'the store to recover');
    expect(s.health().lastError).toBeUndefined();
    await until(() => api.watches.size === 2, 'both watches again');
    api.emit('clustergraphdatapolicies', 'MODIFIED', cgdp('platform', 2, { limits: { maxCnReplicas: 1 } }));
    await until(() => s.snapshot().cluster.spec.limits.maxCnReplicas === 1, 'a change after the outage');
  });

  it('a status write that fails with a 5xx is tried again; a 403 is not', async () => {
    const url = await open();
    api.objects.clustergraphdatapolicies = [cgdp('platform', 1, {})];
    api.statusFailures = [503];
    const s = await watch(url);
    await s.synced;
    await until(() => api.statusWrites.length === 1, 'the retried status write');
    expect(api.statusAttempts).toBe(2);
    await s.stop();
    await api.stop();

    const url2 = await open();
    api.objects.clustergraphdatapolicies = [cgdp('platform', 1, {})];
    api.statusFailures = [403];
    const s2 = await watch(url2);
    await s2.synced;
    await until(() => api.statusAttempts === 1, 'the status write');
    await new Promise((r) => setTimeout(r, 400));
    expect(api.statusAttempts).toBe(1);
    expect(logs).toContain('could not write policy status');
  });

  it('a policy CRD that is not installed counts as no policies of that kind', async () => {
    const url = await open();
    api.notInstalled.add('clustergraphdatapolicies');
    api.notInstalled.add('graphdatapolicies');
    const s = await watch(url);
    await s.synced;
    expect(s.health()).toMatchObject({ synced: true, stale: false });
    expect(s.snapshot().cluster.name).toBe('default');
    expect(s.health().missingCrds).toEqual(['ClusterGraphDataPolicy', 'GraphDataPolicy']);
    expect(logs).toContain('policy CRD not installed; the cluster default applies');
  });

  it('policy CRDs deleted while the watches stay open: the objects stop applying and health says so', async () => {
    const url = await open();
    api.objects.clustergraphdatapolicies = [cgdp('platform', 1, { limits: { maxCnReplicas: 4 } })];
    const s = await watch(url, 200);
    await s.synced;
    await until(() => api.watches.size === 2, 'both watches');
    // The apiserver deleted the CRDs without a DELETED event reaching the store (the real one
    // leaves the watch open): only asking whether the kinds are still served shows it.
    api.notInstalled.add('clustergraphdatapolicies');
    api.notInstalled.add('graphdatapolicies');
    await until(() => s.snapshot().source === BUILT_IN_POLICY, 'the built-in policy');
    await until(() => s.health().missingCrds?.length === 2, 'both CRDs reported missing');
    expect(s.health()).toMatchObject({ synced: true, stale: false });
    expect(s.source).toBe(`cluster (${BUILT_IN_POLICY})`);
    expect(logs).toContain(
      'policy CRD removed; its objects no longer apply, the cluster default applies where they did',
    );

    // Installed again, with another policy: watched again, from a fresh list.
    api.notInstalled.clear();
    api.objects.clustergraphdatapolicies = [cgdp('platform-2', 1, { limits: { maxCnReplicas: 2 } })];
    await until(() => s.snapshot().source === 'ClusterGraphDataPolicy platform-2', 'the re-created policy');
    await until(() => s.health().missingCrds === undefined, 'no CRD reported missing');
    expect(s.snapshot().cluster.spec.limits.maxCnReplicas).toBe(2);
    expect(logs).toContain('policy CRD installed; watching its objects');
    await until(() => api.watches.size === 2, 'both watches again');
    api.emit('clustergraphdatapolicies', 'MODIFIED', cgdp('platform-2', 2, { limits: { maxCnReplicas: 1 } }));
    await until(() => s.snapshot().cluster.spec.limits.maxCnReplicas === 1, 'a change after re-creation');
  });

  it('policy CRDs deleted during a watch outage: the cached objects are dropped, not served stale', async () => {
    const url = await open();
    api.objects.clustergraphdatapolicies = [cgdp('platform', 1, { limits: { maxCnReplicas: 4 } })];
    const s = await watch(url, 60_000); // no probe in this test: the broken watch finds it
    await s.synced;
    await until(() => api.watches.size === 2, 'both watches');
    api.cut();
    await until(() => s.health().stale, 'the store to say stale');
    api.notInstalled.add('clustergraphdatapolicies');
    api.notInstalled.add('graphdatapolicies');
    api.down = false;
    await until(() => s.snapshot().source === BUILT_IN_POLICY, 'the built-in policy');
    await until(() => s.health().missingCrds?.length === 2, 'both CRDs reported missing');
    expect(s.health()).toMatchObject({ synced: true, stale: false });
  });

  it('is not synced while it cannot list', async () => {
    const url = await open();
    api.down = true;
    const s = await watch(url);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.health()).toMatchObject({ synced: false, generation: 0 });
    api.down = false;
    await s.synced;
    expect(s.health()).toMatchObject({ synced: true, stale: false });
  });
});
