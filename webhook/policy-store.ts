// Where the webhook gets its policies. Without a cluster: one file read at start (or the
// built-in default). With one: ClusterGraphDataPolicy and GraphDataPolicy objects from
// two informers, compiled into an immutable snapshot that is swapped whole; each request
// takes the snapshot once. The file (or built-in) policy is the cluster default while
// no ClusterGraphDataPolicy is usable.
import type * as k8s from '@kubernetes/client-node';
import { BUILT_IN_POLICY } from '../common/cluster-names.js';
import type { NamespaceIndex } from './namespace-index.js';
import { loadPolicyFile } from '../common/policy-file.js';
import { GROUP, type Policy } from '../policies/model.js';
import {
  compilePolicies,
  EMPTY_STATE,
  staticSnapshot,
  type CompileState,
  type PolicyObject,
  type PolicyObjectStatus,
  type PolicySnapshot,
} from '../policies/policy-set.js';

export interface PolicyStoreHealth {
  /** Both kinds listed at least once: until then the store has no snapshot worth serving. */
  synced: boolean;
  /** A watch is broken (the apiserver is unreachable, RBAC, …): the last good snapshot is served. */
  stale: boolean;
  generation: number;
  lastError?: string;
  /** Policy kinds whose CRD is not served (never installed, or deleted): no objects of them apply. */
  missingCrds?: string[];
}

export interface PolicyStore {
  /** The snapshot in effect. A request takes it once and uses only it. */
  snapshot(): PolicySnapshot;
  /** Describes the source for logs, /version and /readyz. */
  readonly source: string;
  health(): PolicyStoreHealth;
}

const fileHealth = (snapshot: PolicySnapshot) => (): PolicyStoreHealth => ({
  synced: true,
  stale: false,
  generation: snapshot.generation,
});

export async function filePolicyStore(file?: string): Promise<PolicyStore> {
  const policy = await loadPolicyFile(file);
  const source = file ?? BUILT_IN_POLICY;
  const snapshot = staticSnapshot(policy, source);
  return { snapshot: () => snapshot, source, health: fileHealth(snapshot) };
}

export const VERSION = 'v1alpha1';
const PLURALS = { ClusterGraphDataPolicy: 'clustergraphdatapolicies', GraphDataPolicy: 'graphdatapolicies' } as const;
export const FIELD_MANAGER = 'graphdata-webhook';

export interface ClusterStoreOptions {
  /** The cluster default: the built-in policy or --policy FILE. */
  fallback: Policy;
  fallbackSource: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Write status back to the policy objects (default true). */
  writeStatus?: boolean;
  retryMs?: number;
  /** How often each policy CRD is checked for being served, or looked for again when not (default 15 s). */
  crdRetryMs?: number;
  /** Coalesces a burst of events (the first list) into one compile. */
  debounceMs?: number;
  /**
   * Namespace labels (the webhook's namespace informer): the cluster policy's
   * namespaceOverrides select by them, so a label change compiles a new snapshot.
   */
  namespaces?: NamespaceIndex & { onChange?(listener: () => void): void };
}

export interface ClusterPolicyStore extends PolicyStore {
  /** Resolves once both kinds have been listed and compiled. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

const errorCode = (error: unknown): number | undefined => {
  const e = error as { code?: unknown; statusCode?: unknown } | undefined;
  const code = Number(e?.code ?? e?.statusCode);
  return Number.isInteger(code) ? code : undefined;
};
const errorText = (error: unknown): string => {
  const e = error as { code?: unknown; body?: unknown; message?: unknown } | undefined;
  const body = typeof e?.body === 'string' ? e.body : undefined;
  try {
    const message = body ? (JSON.parse(body) as { message?: string }).message : undefined;
    if (message) return `${e?.code ?? ''} ${message}`.trim();
  } catch {
    // not JSON: fall through
  }
  return String(e?.message ?? error);
};

/** Only the parts we compute: a status is rewritten when these differ, never for timestamps. */
const statusKey = (status: unknown): string => {
  const s = (status ?? {}) as { observedGeneration?: unknown; conditions?: Record<string, unknown>[] };
  const conditions = (s.conditions ?? [])
    .map((c) => [c.type, c.status, c.reason, c.message])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return JSON.stringify([s.observedGeneration ?? null, conditions]);
};

/**
 * Watches both policy kinds (needs list and watch on them, and update on their status).
 * Every change is compiled into a new snapshot; an object that does not compile keeps
 * its last good version in effect. When a watch breaks, the last snapshot keeps being
 * served and health() says it is stale until the informer has listed again. A kind whose
 * CRD is not served (not installed, or deleted) has no objects, whatever was cached.
 */
export async function watchPolicies(kc: k8s.KubeConfig, opts: ClusterStoreOptions): Promise<ClusterPolicyStore> {
  const k8sApi = await import('@kubernetes/client-node');
  const custom = kc.makeApiClient(k8sApi.CustomObjectsApi);
  const retryMs = opts.retryMs ?? 5_000;
  let snapshot = staticSnapshot(opts.fallback, opts.fallbackSource, 0);
  let state: CompileState = EMPTY_STATE;
  let generation = 0;
  /** What the last compile read; undefined: compile whatever the inputs are. */
  let lastInputs: string | undefined;
  let stopped = false;
  let lastError: string | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });

  type Kind = keyof typeof PLURALS;
  const kinds: Kind[] = ['ClusterGraphDataPolicy', 'GraphDataPolicy'];
  const listed: Record<Kind, boolean> = { ClusterGraphDataPolicy: false, GraphDataPolicy: false };
  const healthy: Record<Kind, boolean> = { ClusterGraphDataPolicy: false, GraphDataPolicy: false };
  // A CRD that is not served: its informer's cache may still hold objects (deleted while the
  // watch was down, or before their DELETED events arrived), and none of them exists any more.
  const missing: Record<Kind, boolean> = { ClusterGraphDataPolicy: false, GraphDataPolicy: false };
  const timers = new Set<NodeJS.Timeout>();
  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    t.unref();
    timers.add(t);
  };

  const crdRetryMs = opts.crdRetryMs ?? Math.max(retryMs, 15_000);
  const informers = {} as Record<Kind, k8s.Informer<k8s.KubernetesObject> & k8s.ObjectCache<k8s.KubernetesObject>>;
  const current = (kind: Kind, informer: unknown) => !stopped && informers[kind] === informer;

  /** No objects of this kind exist now: the CRD is not served (never installed, or deleted). */
  function markMissing(kind: Kind): void {
    if (!listed[kind]) opts.log.warn({ kind }, 'policy CRD not installed; the cluster default applies');
    else if (!missing[kind])
      opts.log.warn(
        { kind, fallback: opts.fallbackSource },
        'policy CRD removed; its objects no longer apply, the cluster default applies where they did',
      );
    missing[kind] = true;
    listed[kind] = true;
    healthy[kind] = true;
    schedule();
  }

  /**
   * A fresh informer for a kind whose CRD went away: client-node's informer would keep the
   * deleted objects in its cache and resume its watch from a resourceVersion of a resource
   * that is gone; a new one lists first, and finds the CRD missing or back.
   */
  function renew(kind: Kind): void {
    const old = informers[kind];
    informers[kind] = makeKindInformer(kind);
    void old.stop();
    void informers[kind].start();
  }

  function makeKindInformer(kind: Kind) {
    const plural = PLURALS[kind];
    const informer = k8sApi.makeInformer<k8s.KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/${plural}`, async () => {
      try {
        const list = await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
        if (missing[kind]) opts.log.info({ kind }, 'policy CRD installed; watching its objects');
        missing[kind] = false;
        listed[kind] = true;
        healthy[kind] = true;
        schedule(); // an empty list fires no events, and the first compile waits for both lists
        return list as k8s.KubernetesListObject<k8s.KubernetesObject>;
      } catch (error) {
        // The CRD is not installed: no objects of this kind, not an outage. Look again later.
        if (errorCode(error) !== 404) throw error;
        markMissing(kind);
        later(() => {
          if (current(kind, informer)) void informer.start();
        }, crdRetryMs);
        throw Object.assign(new Error('not installed'), { notInstalled: true });
      }
    });
    informer.on('change', () => {
      if (current(kind, informer)) schedule();
    });
    informer.on('error', (error: unknown) => {
      if (!current(kind, informer)) return;
      if ((error as { notInstalled?: boolean }).notInstalled) return;
      // A watch answered 404: the resource is no longer served.
      if (errorCode(error) === 404) return renew(kind);
      healthy[kind] = false;
      lastError = `${kind}: ${errorText(error)}`;
      opts.log.warn(
        { kind, reason: lastError, retryMs },
        'policy watch failed; serving the last good policy snapshot, retrying',
      );
      later(() => void restart(kind), retryMs);
    });
    return informer;
  }

  // The informer resumes its watch from the last resourceVersion without listing, so
  // a list of one item is what shows the apiserver answers again.
  async function restart(kind: Kind): Promise<void> {
    if (stopped) return;
    try {
      await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURALS[kind], limit: 1 });
    } catch (error) {
      if (errorCode(error) === 404) return renew(kind);
      lastError = `${kind}: ${errorText(error)}`;
      later(() => void restart(kind), retryMs);
      return;
    }
    healthy[kind] = true;
    opts.log.info({ kind }, 'policy watch restored');
    void informers[kind].start();
  }

  // A watch on a deleted CRD's resource may stay open without an event: ask now and then
  // whether each kind is still served (one list of one object per kind).
  function probe(): void {
    for (const kind of kinds) {
      if (stopped || missing[kind] || !healthy[kind] || !listed[kind]) continue;
      custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURALS[kind], limit: 1 }).then(
        () => undefined,
        (error: unknown) => {
          if (!stopped && !missing[kind] && errorCode(error) === 404) renew(kind);
        },
      );
    }
    if (!stopped) later(probe, crdRetryMs);
  }

  for (const kind of kinds) informers[kind] = makeKindInformer(kind);

  // Namespace labels decide which namespaceOverrides apply where: while the cluster policy
  // has some, a namespace change is a new input (the compile reuses every parse).
  let labelsVersion = 0;
  opts.namespaces?.onChange?.(() => {
    if (!snapshot.cluster.spec.namespaceOverrides?.length) return;
    labelsVersion++;
    schedule();
  });
  const namespaceLabels = opts.namespaces ? (ns: string) => opts.namespaces!.labels(ns) : undefined;

  let pending = false;
  function schedule(): void {
    if (pending || stopped) return;
    pending = true;
    later(() => {
      pending = false;
      recompile();
    }, opts.debounceMs ?? 20);
  }

  function recompile(): void {
    if (!listed.ClusterGraphDataPolicy || !listed.GraphDataPolicy) return;
    const objectsOf = (kind: Kind) => (missing[kind] ? [] : (informers[kind].list() as PolicyObject[]));
    const clusterObjects = objectsOf('ClusterGraphDataPolicy');
    const namespaceObjects = objectsOf('GraphDataPolicy');
    // Status writes and resyncs change no generation: nothing to compile.
    const inputs = [...clusterObjects, ...namespaceObjects]
      .map((o) => `${o.metadata?.uid}:${o.metadata?.generation}`)
      .sort()
      .join(',')
      .concat(`|namespaces:${labelsVersion}`);
    const first = generation === 0;
    if (!first && inputs === lastInputs) return;
    lastInputs = inputs;
    const result = compilePolicies({
      clusterObjects,
      namespaceObjects,
      fallback: opts.fallback,
      fallbackSource: opts.fallbackSource,
      generation: ++generation,
      previous: state,
      ...(namespaceLabels ? { namespaceLabels } : {}),
    });
    state = result.state;
    snapshot = result.snapshot;
    opts.log.info(
      {
        generation,
        cluster: snapshot.source,
        clusterPolicies: clusterObjects.length,
        namespacePolicies: namespaceObjects.length,
      },
      'policy snapshot compiled',
    );
    if (first) markSynced();
    if (opts.writeStatus !== false) void writeStatuses(result.statuses);
  }

  let statusRetry = false;
  function retryStatuses(): void {
    if (statusRetry || stopped) return;
    statusRetry = true;
    later(() => {
      statusRetry = false;
      lastInputs = undefined; // compile even though no generation changed, so statuses are computed again
      schedule();
    }, retryMs);
  }

  // At most one write per object and computed status: two replicas (or two versions
  // during a rollout) that disagree each write once instead of fighting.
  const written = new Map<string, string>();
  async function writeStatuses(statuses: PolicyObjectStatus[]): Promise<void> {
    for (const s of statuses) {
      const uid = s.object.metadata?.uid ?? `${s.kind}/${s.namespace}/${s.name}`;
      const wanted = statusKey(s.status);
      if (statusKey(s.object.status) === wanted || written.get(uid) === wanted) continue;
      written.set(uid, wanted);
      const now = new Date().toISOString();
      const old = ((s.object.status as { conditions?: { type: string; status: string; lastTransitionTime?: string }[] })
        ?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[];
      const conditions = s.status.conditions.map((c) => {
        const before = old.find((o) => o.type === c.type);
        return {
          ...c,
          observedGeneration: s.status.observedGeneration,
          lastTransitionTime:
            before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now,
        };
      });
      // A PUT with the resourceVersion we saw: if the object moved on, the next event brings it back here.
      const body = { ...s.object, status: { observedGeneration: s.status.observedGeneration, conditions } };
      const plural = PLURALS[s.kind];
      try {
        if (s.namespace)
          await custom.replaceNamespacedCustomObjectStatus({
            group: GROUP,
            version: VERSION,
            namespace: s.namespace,
            plural,
            name: s.name,
            body,
            fieldManager: FIELD_MANAGER,
          });
        else
          await custom.replaceClusterCustomObjectStatus({
            group: GROUP,
            version: VERSION,
            plural,
            name: s.name,
            body,
            fieldManager: FIELD_MANAGER,
          });
      } catch (error) {
        const code = errorCode(error);
        if (code === 409 || code === 404) {
          written.delete(uid); // changed or gone meanwhile: the informer brings the new state
          continue;
        }
        // Forbidden or invalid stays so (said once); an outage or a 5xx is tried again, by compiling again.
        const transient = code === undefined || code === 429 || code >= 500;
        opts.log.warn(
          { kind: s.kind, namespace: s.namespace, name: s.name, reason: errorText(error), retry: transient },
          'could not write policy status',
        );
        if (transient) {
          written.delete(uid);
          retryStatuses();
        }
      }
    }
    // Forget objects that are gone, so the memo stays as large as the policy set.
    const live = new Set(statuses.map((s) => s.object.metadata?.uid ?? `${s.kind}/${s.namespace}/${s.name}`));
    for (const uid of written.keys()) if (!live.has(uid)) written.delete(uid);
  }

  for (const kind of kinds) void informers[kind].start();
  later(probe, crdRetryMs);

  return {
    snapshot: () => snapshot,
    get source() {
      return `cluster (${snapshot.source})`;
    },
    synced,
    health: () => ({
      synced: generation > 0,
      stale: generation > 0 && !(healthy.ClusterGraphDataPolicy && healthy.GraphDataPolicy),
      generation: snapshot.generation,
      ...(lastError && !(healthy.ClusterGraphDataPolicy && healthy.GraphDataPolicy) ? { lastError } : {}),
      ...(missing.ClusterGraphDataPolicy || missing.GraphDataPolicy
        ? { missingCrds: kinds.filter((k) => missing[k]) }
        : {}),
    }),
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(kinds.map((k) => informers[k].stop()));
    },
  };
}
