// `kubectl graphdata audit`'s core: the paging loop over a generator of pages (nothing of
// the checking is faked: the real policy, engine and enforce run on every pod), memory
// bounded by one page, and which policy a namespace is audited against.
import v8 from 'node:v8';
import { PassThrough } from 'node:stream';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { listPages, type ListPage } from '../../../../plugin/audit/paging.js';
import { selectPolicies } from '../../../../plugin/kube/cluster-policies.js';
import { jsonWriter, progressLine, yamlWriter } from '../../../../plugin/audit/report.js';
import { audit, auditObject, type Violation } from '../../../../plugin/audit/scan.js';
import { loadPolicyFile } from '../../../../common/policy-file.js';
import type { Policy } from '../../../../policies/model.js';
import { inject } from '../../../../policies/engine.js';
import { runtimeLookupFrom } from '../../../../policies/fluid-runtime.js';
import { sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const NAMESPACE = 'analytics';
const LABELS = { 'graphdata.io/inject': 'enabled', 'kubernetes.io/metadata.name': NAMESPACE };

describe('audit paging', () => {
  it('follows continue tokens until the last page, one request at a time', async () => {
    const asked: (string | undefined)[] = [];
    const pages = listPages(async (token) => {
      asked.push(token);
      const n = token === undefined ? 0 : Number(token);
      return { items: [n], ...(n < 3 ? { continue: String(n + 1) } : {}) };
    });
    const seen: unknown[] = [];
    for await (const items of pages) {
      seen.push(...items);
      // The next page is not asked for before this one is consumed.
      expect(asked).toHaveLength(seen.length);
    }
    expect(asked).toEqual([undefined, '1', '2', '3']);
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('audits 10,000 pods holding at most two pages at a time, with every violation found', async () => {
    const policy = await loadPolicyFile();
    const PAGES = 40;
    const PER_PAGE = 250;
    // Every 10th pod is a bare executor (the mutating webhook was down) and the 5th of each ten an
    // injected one, which passes; the rest are pods of other apps.
    const injected = inject(sparkExecutorPod(), policy, { namespace: NAMESPACE, namespaceLabels: LABELS }).pod;
    const bare = sparkExecutorPod();
    const other = sparkExecutorPod();
    other.metadata!.labels = { app: 'web' };
    other.spec!.containers[0]!.name = 'web';
    const alive: WeakRef<object>[] = [];
    let maxAlive = 0;
    let maxHeap = 0;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    const fetchPage = async (token: string | undefined): Promise<ListPage> => {
      // A real page arrives from the network, in a later task: only then does V8 drop the
      // WeakRef targets it keeps for the current job. Then: what of the earlier pages is still reachable?
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      maxAlive = Math.max(maxAlive, alive.filter((r) => r.deref() !== undefined).length);
      maxHeap = Math.max(maxHeap, process.memoryUsage().heapUsed - baseline);
      const page = token === undefined ? 0 : Number(token);
      const items = Array.from({ length: PER_PAGE }, (_, i) => {
        const n = page * PER_PAGE + i;
        const pod = structuredClone(n % 10 === 0 ? bare : n % 10 === 5 ? injected : other);
        pod.metadata = {
          ...pod.metadata,
          name: `exec-${n}`,
          namespace: NAMESPACE,
          // 8 KB of its own per pod: 80 MB if the audit kept them all.
          annotations: { ...pod.metadata?.annotations, 'example.com/blob': `${n}`.padEnd(8192, 'x') },
        };
        delete pod.apiVersion;
        delete pod.kind;
        return pod;
      });
      alive.push(new WeakRef(items));
      return { items, ...(page + 1 < PAGES ? { continue: String(page + 1) } : {}) };
    };
    let violations = 0;
    const rules = new Set<string>();
    const names: string[] = [];
    const summary = await audit([{ kind: 'Pod', apiVersion: 'v1', pages: listPages(fetchPage) }], {
      scope: (ns) => (ns === NAMESPACE ? { policy, labels: LABELS } : undefined),
      onViolations: (batch: Violation[]) => {
        violations += batch.length;
        for (const v of batch) {
          rules.add(`${v.action} ${v.rule}`);
          if (names.length < 3) names.push(v.name);
        }
      },
    });
    expect(summary.scanned).toBe(PAGES * PER_PAGE);
    expect(summary.denied).toBe((PAGES * PER_PAGE) / 10);
    expect(violations).toBe(summary.denied + summary.warned);
    expect([...rules]).toEqual(['deny not-injected']);
    expect(names).toEqual(['exec-0', 'exec-10', 'exec-20']);
    // The page being checked and the one just fetched; never the 40 of them.
    expect(maxAlive).toBeLessThanOrEqual(2);
    expect(maxHeap).toBeLessThan(30 * 1024 * 1024);
  }, 120_000);

  it('skips objects in namespaces the webhook does not cover, and counts them', async () => {
    const policy = await loadPolicyFile();
    const pod = (ns: string) => {
      const p = sparkExecutorPod();
      p.metadata = { ...p.metadata, namespace: ns };
      return p;
    };
    const summary = await audit(
      [
        {
          kind: 'Pod',
          apiVersion: 'v1',
          pages: listPages(async () => ({ items: [pod(NAMESPACE), pod('kube-system'), pod('other')] })),
        },
      ],
      { scope: (ns) => (ns === NAMESPACE ? { policy, labels: LABELS } : undefined), onViolations: () => {} },
    );
    expect(summary.kinds).toEqual([{ kind: 'Pod', scanned: 1, outOfScope: 2 }]);
    expect(summary.rules).toEqual({ 'not-injected': { deny: 1, warn: 0 } });
  });
});

describe("which policy a namespace is audited against (the policy store's choice)", () => {
  const cluster = (name: string, created: string, spec: object = {}) => ({
    apiVersion: 'graphdata.io/v1alpha1',
    kind: 'ClusterGraphDataPolicy',
    metadata: { name, creationTimestamp: created },
    spec,
  });
  const namespaced = (name: string, namespace: string, created: string, spec: object) => ({
    apiVersion: 'graphdata.io/v1alpha1',
    kind: 'GraphDataPolicy',
    metadata: { name, namespace, creationTimestamp: created },
    spec,
  });
  let builtIn: Policy;
  const fallback = () => ({ policy: builtIn, name: 'built-in (name)', source: 'built-in' });

  it('the oldest cluster policy that compiles is in effect; the others are named in notes', async () => {
    builtIn = await loadPolicyFile();
    const sel = selectPolicies(
      [
        cluster('newer', '2026-02-01T00:00:00Z', { limits: { maxExecutorCores: 8 } }),
        cluster('broken', '2025-01-01T00:00:00Z', { mode: 'Strict' }),
        cluster('older', '2026-01-01T00:00:00Z', { limits: { maxExecutorCores: 2 } }),
      ],
      [],
      fallback(),
    );
    expect(sel.source).toBe('ClusterGraphDataPolicy older');
    expect(sel.policyFor('any').spec.limits.maxExecutorCores).toBe(2);
    expect(sel.notes).toEqual([
      expect.stringMatching(/^ClusterGraphDataPolicy broken is not used: generation 1 is invalid/),
      expect.stringMatching(/^ClusterGraphDataPolicy newer is not used: ClusterGraphDataPolicy older is in effect/),
    ]);
  });

  it("a namespace's policy is laid over the cluster's when it only tightens, ignored when it loosens", async () => {
    builtIn = await loadPolicyFile();
    const sel = selectPolicies(
      [cluster('c', '2026-01-01T00:00:00Z', { limits: { maxExecutorCores: 4 } })],
      [
        namespaced('tight', 'team-a', '2026-01-02T00:00:00Z', { limits: { maxExecutorCores: 2 } }),
        namespaced('loose', 'team-b', '2026-01-02T00:00:00Z', { limits: { maxExecutorCores: 16 } }),
      ],
      fallback(),
    );
    expect(sel.policyFor('team-a').spec.limits.maxExecutorCores).toBe(2);
    expect(sel.policyFor('team-b').spec.limits.maxExecutorCores).toBe(4);
    expect(sel.policyFor('team-c').name).toBe('c');
    expect(sel.notes).toEqual([
      expect.stringMatching(
        /^GraphDataPolicy team-b\/loose is not used: not in effect: namespace team-b gets .* alone/,
      ),
    ]);
  });

  it('without policy objects, the fallback (built-in or --policy) is used', async () => {
    builtIn = await loadPolicyFile();
    const sel = selectPolicies([], [], fallback());
    expect(sel.policyFor('any')).toBe(builtIn);
    expect(sel.source).toBe('built-in');
  });
});

describe('audit report writers', () => {
  const sink = () => {
    let text = '';
    const out = new PassThrough();
    out.on('data', (c) => (text += c));
    return { out, text: () => text };
  };
  const v = (name: string): Violation => ({
    namespace: NAMESPACE,
    kind: 'Pod',
    name,
    action: 'deny',
    rule: 'not-injected',
    code: 'not-injected',
    message: 'missing: client-jar',
    path: 'spec',
  });
  const summary = { scanned: 3, denied: 3, warned: 0, kinds: [], rules: {} };

  it('JSON and YAML streamed in batches read back as one report, also when the scan failed', async () => {
    for (const format of ['json', 'yaml'] as const) {
      for (const error of [undefined, 'the scan stopped: boom']) {
        const s = sink();
        const writer = format === 'json' ? jsonWriter(s.out) : await yamlWriter(s.out);
        writer.violations([v('a'), v('b')]);
        writer.violations([v('c')]);
        writer.end(summary, error);
        await new Promise((r) => setImmediate(r));
        const report = format === 'json' ? JSON.parse(s.text()) : parseYaml(s.text());
        expect(report.violations.map((x: Violation) => x.name)).toEqual(['a', 'b', 'c']);
        expect(report.summary.denied).toBe(3);
        expect(report.error).toBe(error);
      }
    }
    const empty = sink();
    const writer = jsonWriter(empty.out);
    writer.end(summary);
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(empty.text()).violations).toEqual([]);
  });

  it('progress: a line rewritten in place on a terminal, a plain line now and then elsewhere', async () => {
    const tty = sink();
    Object.assign(tty.out, { isTTY: true });
    const live = progressLine(tty.out as PassThrough & { isTTY: boolean }, 0);
    await new Promise((r) => setTimeout(r, 120));
    live.update('auditing Pod: 500 objects checked');
    live.clear();
    const log = sink();
    const plain = progressLine(log.out, 50);
    plain.update('too early');
    await new Promise((r) => setTimeout(r, 60));
    plain.update('auditing Pod: 1000 objects checked');
    plain.clear();
    await new Promise((r) => setImmediate(r));
    expect(tty.text()).toBe('\r\u001b[Kauditing Pod: 500 objects checked\r\u001b[K');
    expect(log.text()).toBe('auditing Pod: 1000 objects checked\n');
  });
});

describe('audit in Fluid mode', () => {
  it('reads the AlluxioRuntimes as the webhook does: an injected reader passes, a bare one is denied naming what it lacks', () => {
    const fluid = policyWith({ cache: 'fluid', mode: 'Enforce' });
    const runtimes = runtimeLookupFrom([
      {
        apiVersion: 'data.fluid.io/v1alpha1',
        kind: 'AlluxioRuntime',
        metadata: { name: 'sales', namespace: NAMESPACE },
        spec: { master: { ports: { rpc: 20003 } } },
        status: { masterPhase: 'Ready' },
      },
    ]);
    const reader = sparkExecutorPod();
    reader.metadata = {
      ...reader.metadata,
      namespace: NAMESPACE,
      annotations: { 'graphdata.io/dataset': 'sales' },
    };
    const injected = inject(reader, fluid, { namespace: NAMESPACE, namespaceLabels: LABELS, runtimes }).pod as Record<
      string,
      unknown
    >;
    expect(auditObject(injected, { policy: fluid, labels: LABELS, runtimes })).toEqual([]);
    // Without the runtimes the pod would look uninjected: audit must read them, as the webhook does.
    // A reader created while the mutating webhook was down: denied either way, but only with the
    // runtimes does the reason name what is missing rather than a runtime graphdata cannot see.
    const bare = { ...reader, metadata: { ...reader.metadata, name: 'bare' } } as Record<string, unknown>;
    const seen = auditObject(bare, { policy: fluid, labels: LABELS, runtimes });
    const unseen = auditObject(bare, { policy: fluid, labels: LABELS });
    expect(seen.map((v) => `${v.action} ${v.rule}`)).toEqual(['deny not-injected']);
    expect(seen[0]!.message).toContain('client-config (env JAVA_TOOL_OPTIONS');
    expect(unseen[0]!.message).toContain(
      'there is no AlluxioRuntime sales in namespace analytics that graphdata can see',
    );
  });
});

describe('audit sees what UPDATEs and subresources added to a stored pod', () => {
  it('an ephemeral container and a set image from a forbidden registry are reported with their paths', () => {
    const policy = policyWith({ mode: 'Enforce', limits: { allowedRegistries: ['docker.io'] } });
    const pod = inject(sparkExecutorPod(), policy, { namespace: NAMESPACE, namespaceLabels: LABELS }).pod;
    pod.metadata = { ...pod.metadata, namespace: NAMESPACE };
    expect(auditObject(pod as Record<string, unknown>, { policy, labels: LABELS })).toEqual([]);
    pod.spec!.containers[0]!.image = 'quay.io/acme/spark:3.5.1';
    pod.spec!.ephemeralContainers = [{ name: 'debugger', image: 'ghcr.io/attacker/miner:1' }];
    const found = auditObject(pod as Record<string, unknown>, { policy, labels: LABELS });
    expect(found.map((v) => [v.action, v.rule, v.path])).toEqual([
      ['deny', 'registry-not-allowed', 'spec.containers[0].image'],
      ['deny', 'registry-not-allowed', 'spec.ephemeralContainers[0].image'],
    ]);
  });
});
