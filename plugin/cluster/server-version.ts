// The apiserver's version for `version`, with a short deadline: a CLI must not hang on
// an unreachable cluster, and `version` reports "unreachable" instead of failing.
import type { RequestContext, ResponseContext } from '@kubernetes/client-node';
import type { KubeFlags } from '../kube.js';

export type ServerVersion = { reachable: true; gitVersion: string; platform?: string } | { reachable: false; reason: string };

export async function fetchServerVersion(flags: KubeFlags, timeoutMs = 3000): Promise<ServerVersion> {
  let kc, k8s;
  try {
    ({ kc, k8s } = await (await import('../kube.js')).loadKubeConfig(flags));
  } catch (error) {
    return { reachable: false, reason: (error as Error).message };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  // The generated client has no per-call timeout; a middleware hands fetch our signal.
  // These APIs take Observable-style middleware (the client's own small Observable).
  const withDeadline = {
    middleware: [
      {
        pre: (ctx: RequestContext) => (ctx.setSignal(signal), new k8s.Observable(Promise.resolve(ctx))),
        post: (ctx: ResponseContext) => new k8s.Observable(Promise.resolve(ctx)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  };
  try {
    const info = await kc.makeApiClient(k8s.VersionApi).getCode({}, withDeadline);
    return { reachable: true, gitVersion: info.gitVersion, ...(info.platform ? { platform: info.platform } : {}) };
  } catch (error) {
    const reason = signal.aborted ? `no answer within ${timeoutMs / 1000}s` : describe(error);
    return { reachable: false, reason: `${kc.getCurrentCluster()?.server ?? 'cluster'}: ${reason}` };
  }
}

/** Socket errors by their short code (ECONNREFUSED), everything else by its message. */
function describe(error: unknown): string {
  const e = error as { code?: number | string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code;
  if (code && /^E[A-Z]+$/.test(code)) return code;
  if (typeof e.code === 'number') return `HTTP ${e.code}`;
  return e.cause?.message ?? e.message ?? String(error);
}
