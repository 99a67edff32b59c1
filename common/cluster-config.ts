// How the webhook reaches its cluster: a kubeconfig given with --kubeconfig, or the pod's
// service account when it runs in a cluster. Neither (npm start on a laptop): no cluster,
// and the webhook works from its policy file alone.
import { existsSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function webhookKubeConfig(kubeconfig?: string): k8s.KubeConfig | undefined {
  const kc = new k8s.KubeConfig();
  if (kubeconfig) {
    kc.loadFromFile(kubeconfig);
    return kc;
  }
  if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return kc;
  }
  return undefined;
}
