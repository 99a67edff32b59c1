// Namespace labels, kept current by a client-node informer (one list, then a watch).
// Injection needs them for PodSecurity levels and profile namespaceSelectors. Lookups are synchronous and never do I/O.
import * as k8s from '@kubernetes/client-node';
import { keepInformerRunning, type WatchOptions } from './restarting-informer.js';

export interface NamespaceIndex {
  /** The namespace's labels; undefined while it is unknown (not listed yet, or no cluster). */
  labels(namespace: string): Readonly<Record<string, string>> | undefined;
}

export interface NamespaceInformer extends NamespaceIndex {
  /** Resolves once the first list has been cached. */
  readonly synced: Promise<void>;
  /** Calls `listener` after a namespace is added, changed or deleted (labels may differ). */
  onChange(listener: () => void): void;
  stop(): Promise<void>;
}

/** Lists and watches namespaces (needs `list` and `watch` on namespaces). */
export function watchNamespaces(kc: k8s.KubeConfig, opts: WatchOptions = {}): NamespaceInformer {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const informer = k8s.makeInformer<k8s.V1Namespace>(kc, '/api/v1/namespaces', () => core.listNamespace());
  // The list re-syncs the cache after each restart.
  const running = keepInformerRunning(informer, opts, 5_000);
  return {
    synced: running.synced,
    onChange: (listener) => {
      for (const event of ['add', 'update', 'delete'] as const) informer.on(event, () => listener());
    },
    labels: (namespace) => {
      const ns = informer.get(namespace);
      return ns ? (ns.metadata?.labels ?? {}) : undefined;
    },
    stop: running.stop,
  };
}
