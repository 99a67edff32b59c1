// The cluster client, loaded only by commands that talk to a cluster (start-up of the
// offline commands must not pay for @kubernetes/client-node).
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from './base.js';

export interface KubeFlags {
  kubeconfig?: string | undefined;
  kubeContext?: string | undefined;
  namespace?: string | undefined;
}

export async function loadKubeConfig(
  flags: KubeFlags,
): Promise<{ k8s: typeof import('@kubernetes/client-node'); kc: KubeConfig; namespace: string }> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new UserError(
      `cannot read kubeconfig ${flags.kubeconfig ?? '(default)'}: ${(error as Error).message}`,
      'pass --kubeconfig PATH or set KUBECONFIG',
    );
  }
  if (flags.kubeContext) {
    if (!kc.getContextObject(flags.kubeContext)) {
      throw new UserError(
        `context "${flags.kubeContext}" is not in the kubeconfig`,
        `use one of: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || '(none)'
        }`,
      );
    }
    kc.setCurrentContext(flags.kubeContext);
  }
  if (!kc.getCurrentCluster())
    throw new UserError(
      'the kubeconfig names no current cluster',
      'pass --context NAME or run `kubectl config use-context NAME`',
    );
  const namespace = flags.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  return { k8s, kc, namespace };
}

/** An API error as one line: `pods "x" not found (404)`. */
export function apiErrorMessage(error: unknown): string {
  const e = error as { code?: number; body?: unknown; message?: string };
  let body = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* not JSON */
    }
  }
  const message = (body as { message?: string } | undefined)?.message ?? e.message ?? String(error);
  return e.code ? `${message} (${e.code})` : message;
}
