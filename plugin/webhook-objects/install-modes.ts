// The two ways graphdata is installed, and what one leaves that the other does not use.
// In the cluster (a Deployment behind a Service, its certificates in Secrets) or outside
// it (`install --webhook-url`: only the namespace, the policy CRDs and ClusterRoles and the
// webhook configurations). Switching from the first to the second leaves the Deployment,
// Service, Secrets, Lease, HPA, PDB and RBAC behind; a Deployment left running would even
// keep publishing its own CA into the configurations. `install` removes them once the new
// mode's self-test has passed; `status` lists them until then.
import type * as k8s from '@kubernetes/client-node';
import { MANAGED_BY, WEBHOOK_NAME } from '../../common/cluster-names.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import { installManifests, type ManifestObject } from './manifests.js';
import type { Clients } from '../kube/clients.js';

export type InstallMode = 'in-cluster' | 'url' | 'none';

const key = (o: ManifestObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const noCerts = { caBundle: '', certs: { caCert: '', caKey: '', tlsCert: '', tlsKey: '' } };

/** What only the in-cluster mode creates, in apply order. */
export function inClusterOnlyObjects(namespace: string): ManifestObject[] {
  const url = new Set(installManifests({ namespace, ...noCerts, webhookUrl: 'https://outside' }).map(key));
  return installManifests({ namespace, ...noCerts }).filter((o) => !url.has(key(o)));
}

/** The mode the registration is in now: where the mutating configuration sends pods. */
export async function registeredMode(
  c: Clients,
): Promise<{ mode: InstallMode; url?: string; serviceNamespace?: string }> {
  try {
    const config = await c.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_NAME });
    const { url, service } = config.webhooks?.[0]?.clientConfig ?? {};
    if (url) return { mode: 'url', url };
    return { mode: 'in-cluster', ...(service?.namespace ? { serviceNamespace: service.namespace } : {}) };
  } catch (error) {
    if ((error as { code?: number }).code === 404) return { mode: 'none' };
    throw error;
  }
}

/**
 * Objects install made (managed-by label) that the registered mode does not use: with a
 * URL registration, the in-cluster ones; with none, everything install applies. Named as
 * `Kind/name`, in apply order, each with the live object for deleting it.
 */
export async function leftovers(
  c: Clients,
  namespace: string,
  mode: InstallMode,
): Promise<{ what: string; live: k8s.KubernetesObject }[]> {
  if (mode === 'in-cluster') return [];
  const candidates = mode === 'url' ? inClusterOnlyObjects(namespace) : installManifests({ namespace, ...noCerts });
  const found: { what: string; live: k8s.KubernetesObject }[] = [];
  for (const o of candidates) {
    let live: k8s.KubernetesObject;
    try {
      live = await c.objects.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) },
      });
    } catch (error) {
      if ((error as { code?: number }).code === 404) continue;
      throw new Error(`${o.kind}/${o.metadata.name}: ${apiErrorMessage(error)}`);
    }
    const ours = live.metadata?.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY['app.kubernetes.io/managed-by'];
    if (ours && !live.metadata?.deletionTimestamp) found.push({ what: `${o.kind}/${o.metadata.name}`, live });
  }
  return found;
}

/**
 * After a URL install passed its self-test: deletes what the in-cluster mode left in
 * `namespace`, the Deployment first (it stops renewing certificates), the rest in reverse
 * apply order. Returns one line per object.
 */
export async function removeInClusterLeftovers(c: Clients, namespace: string): Promise<string[]> {
  const found = (await leftovers(c, namespace, 'url')).reverse();
  const lines: string[] = [];
  for (const { what, live } of found) {
    try {
      await c.objects.delete(live, undefined, undefined, undefined, undefined, 'Background');
      lines.push(`deleted ${what} (in-cluster mode, no longer used)`);
    } catch (error) {
      if ((error as { code?: number }).code === 404) continue;
      lines.push(`could not delete ${what}: ${apiErrorMessage(error)}`);
    }
  }
  return lines;
}
