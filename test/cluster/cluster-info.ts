// The data global-setup hands to tests, and how to turn it into a client config.
// Kept free of process/PKI code so test files can import it cheaply.
import * as k8s from '@kubernetes/client-node';

export type ClusterUser = 'admin' | 'tenant';

/** One control plane, as tests get it from kube.ts's cluster(); plain data, it crosses into test workers. */
export interface ClusterInfo {
  /** kubeconfig with an admin and a tenant context; admin is current. */
  kubeconfig: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Context of a client-cert user in group system:masters. */
  adminContext: string;
  /** Context of a client-cert user with no groups and no RBAC bindings. */
  tenantContext: string;
  /** User names as the apiserver sees them (for RBAC subjects). */
  adminUser: string;
  tenantUser: string;
  /** CA that signed the apiserver's serving cert and the client certs. */
  caPem: string;
  /** The Kubernetes version the control plane runs (a versions.json entry), e.g. v1.37.2. */
  version?: string;
  /** Per-run temp dir: certs, etcd data, process logs. Removed on teardown. */
  tmpDir: string;
}

export function loadKubeConfig(info: ClusterInfo, user: ClusterUser): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  kc.setCurrentContext(user === 'admin' ? info.adminContext : info.tenantContext);
  return kc;
}
