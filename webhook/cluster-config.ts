// How the webhook reaches its cluster: a kubeconfig given with --kubeconfig, or the pod's
// service account when it runs in a cluster. Neither (npm start on a laptop): no cluster,
// and the webhook works from its policy file alone. The client library is loaded only
// when there is a cluster, so start-up without one stays fast.
import { existsSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export const inCluster = (): boolean =>
  Boolean(process.env.KUBERNETES_SERVICE_HOST) && existsSync(SERVICE_ACCOUNT_TOKEN);

export async function webhookKubeConfig(kubeconfig?: string): Promise<KubeConfig | undefined> {
  if (!kubeconfig && !inCluster()) return undefined;
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (kubeconfig) kc.loadFromFile(kubeconfig);
  else kc.loadFromCluster();
  return kc;
}
