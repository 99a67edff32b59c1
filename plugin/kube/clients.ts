// The API clients every cluster command uses, made once from a loaded kubeconfig
// (kubeconfig.ts) so no command imports another command's module to get them.
import type * as k8s from '@kubernetes/client-node';
import type { CertClients } from '../../common/cluster-certs.js';

export type K8s = typeof import('@kubernetes/client-node');

export interface Clients extends CertClients {
  k8s: K8s;
  kc: k8s.KubeConfig;
  objects: k8s.KubernetesObjectApi;
  apps: k8s.AppsV1Api;
}

export function makeClients(k8sModule: K8s, kc: k8s.KubeConfig): Clients {
  return {
    k8s: k8sModule,
    kc,
    core: kc.makeApiClient(k8sModule.CoreV1Api),
    admission: kc.makeApiClient(k8sModule.AdmissionregistrationV1Api),
    apps: kc.makeApiClient(k8sModule.AppsV1Api),
    objects: k8sModule.KubernetesObjectApi.makeApiClient(kc),
  };
}
