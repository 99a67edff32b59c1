// The apiserver's version for `version`, with a short deadline: a CLI must not hang on
// an unreachable cluster, and `version` reports "unreachable" instead of failing.
import type { KubeConfig } from '@kubernetes/client-node';
import { deadline, describe, type KubeFlags } from './kubeconfig.js';
import type { WebhookVersion } from './webhook-version.js';

export type ServerVersion =
  | { reachable: true; gitVersion: string; platform?: string }
  | { reachable: false; reason: string };

/** The apiserver's and the graphdata webhook's versions, from one kubeconfig load. */
export async function fetchClusterVersions(
  flags: KubeFlags,
  timeoutMs = 3000,
): Promise<{ server: ServerVersion; webhook?: WebhookVersion }> {
  let kc, k8s;
  try {
    ({ kc, k8s } = await (await import('./kubeconfig.js')).loadKubeConfig(flags));
  } catch (error) {
    return { server: { reachable: false, reason: (error as Error).message } };
  }
  const [server, webhook] = await Promise.all([
    serverVersion(k8s, kc, timeoutMs),
    import('./webhook-version.js').then((m) => m.fetchWebhookVersion(k8s, kc, timeoutMs)),
  ]);
  return { server, ...(webhook ? { webhook } : {}) };
}

async function serverVersion(
  k8s: typeof import('@kubernetes/client-node'),
  kc: KubeConfig,
  timeoutMs: number,
): Promise<ServerVersion> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const info = await kc.makeApiClient(k8s.VersionApi).getCode({}, deadline(k8s, signal));
    return { reachable: true, gitVersion: info.gitVersion, ...(info.platform ? { platform: info.platform } : {}) };
  } catch (error) {
    const reason = signal.aborted ? `no answer within ${timeoutMs / 1000}s` : describe(error);
    return { reachable: false, reason: `${kc.getCurrentCluster()?.server ?? 'cluster'}: ${reason}` };
  }
}
