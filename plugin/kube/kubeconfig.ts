// The cluster client, loaded only by commands that talk to a cluster (start-up of the
// offline commands must not pay for @kubernetes/client-node).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { UserError } from '../cli/base.js';

export interface KubeFlags {
  kubeconfig?: string | undefined;
  kubeContext?: string | undefined;
  namespace?: string | undefined;
}

/** What kubectl says when it finds nothing to connect with; client-node would instead try http://localhost:8080. */
export const NO_KUBECONFIG = 'no kubeconfig: set KUBECONFIG, pass --kubeconfig, or run inside a cluster';

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Where the configuration comes from, in kubectl's order: --kubeconfig, the files of
 * $KUBECONFIG that exist (kubectl skips missing ones), ~/.kube/config, the pod's service
 * account. Undefined when there is none.
 */
function configSource(flags: KubeFlags): { files: string[] } | { inCluster: true } | undefined {
  if (flags.kubeconfig) return { files: [flags.kubeconfig] };
  const env = process.env.KUBECONFIG;
  if (env) {
    const files = env.split(delimiter).filter((f) => f && existsSync(f));
    return files.length ? { files } : undefined;
  }
  const home = join(homedir(), '.kube', 'config');
  if (existsSync(home)) return { files: [home] };
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(IN_CLUSTER_TOKEN)) return { inCluster: true };
  return undefined;
}

export async function loadKubeConfig(
  flags: KubeFlags,
): Promise<{ k8s: typeof import('@kubernetes/client-node'); kc: KubeConfig; namespace: string }> {
  const source = configSource(flags);
  if (!source) throw new UserError(NO_KUBECONFIG);
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if ('inCluster' in source) kc.loadFromCluster();
  else {
    for (const [i, file] of source.files.entries()) {
      try {
        if (i === 0) kc.loadFromFile(file);
        else {
          const more = new k8s.KubeConfig();
          more.loadFromFile(file);
          kc.mergeConfig(more, Boolean(kc.getCurrentContext())); // kubectl: the first current-context wins
        }
      } catch (error) {
        throw new UserError(
          `cannot read kubeconfig ${file}: ${(error as Error).message}`,
          'pass --kubeconfig PATH or set KUBECONFIG',
        );
      }
    }
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

/** The apiserver answered (with an HTTP status), as opposed to a request that never got an answer. */
export const httpStatusOf = (error: unknown): number | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
};

/** The server the current context points at, for messages. */
export const serverOf = (kc: KubeConfig): string => kc.getCurrentCluster()?.server ?? '(no server)';

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

/**
 * Call options that abort the request with `signal`. The generated client has no
 * per-call timeout; a middleware hands fetch our signal (Observable-style, the client's own).
 */
export function deadline(k8s: typeof import('@kubernetes/client-node'), signal: AbortSignal) {
  return {
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new k8s.Observable(Promise.resolve(ctx));
        },
        post: (ctx: ResponseContext) => new k8s.Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
}

/** Socket errors by their short code (ECONNREFUSED), everything else by its message. */
export function describe(error: unknown): string {
  const e = error as { code?: number | string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  if (code && /^E[A-Z]+$/.test(code)) return code;
  if (typeof e.code === 'number') return `HTTP ${e.code}`;
  return e.cause?.message ?? e.message ?? String(error);
}
