// A client-node informer that starts itself again: client-node stops an informer on a
// list or watch error (a broken watch, or a 404 while a CRD is not installed), and a
// webhook must keep its caches current for as long as it runs.
import type * as k8s from '@kubernetes/client-node';

export interface WatchOptions {
  /** Called when the watch breaks; the informer restarts itself after `retryMs`. */
  onError?: (error: unknown) => void;
  retryMs?: number;
}

export interface RestartingInformer {
  /** Resolves once the first list has been cached. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

/** Starts `informer` now and again `retryMs` after each error, until stopped. */
export function keepInformerRunning<T extends k8s.KubernetesObject>(
  informer: k8s.Informer<T>,
  opts: WatchOptions,
  defaultRetryMs: number,
): RestartingInformer {
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((resolve) => {
    markSynced = resolve;
  });
  const start = () => {
    informer.start().then(markSynced, onError);
  };
  function onError(error: unknown): void {
    opts.onError?.(error);
    if (stopped) return;
    clearTimeout(retry);
    retry = setTimeout(start, opts.retryMs ?? defaultRetryMs);
    retry.unref();
  }
  informer.on('error', onError);
  start();
  return {
    synced,
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await informer.stop().catch(() => undefined);
    },
  };
}
