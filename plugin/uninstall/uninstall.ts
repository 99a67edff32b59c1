// What `uninstall` does against a cluster: delete what install created, and only that.
import { setTimeout as sleep } from 'node:timers/promises';
import type * as k8s from '@kubernetes/client-node';
import { MANAGED_BY } from '../../common/cluster-names.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import type { Clients } from '../kube/clients.js';
import { type InstallOptions, installManifests } from '../webhook-objects/manifests.js';

export interface UninstallStep {
  what: string;
  outcome: 'deleted' | 'absent' | 'kept' | 'terminating';
  why?: string;
}

/**
 * Deletes what install creates, webhook configurations first (the apiserver must not call
 * a webhook that is going away), then the rest in reverse apply order. Only objects that
 * carry install's managed-by label; the policy CRDs only while no policy exists.
 */
export async function uninstall(
  c: Clients,
  opts: Pick<InstallOptions, 'namespace'>,
  dryRun: boolean,
): Promise<UninstallStep[]> {
  const objects = installManifests({
    ...opts,
    caBundle: '',
    certs: { caCert: '', caKey: '', tlsCert: '', tlsKey: '' },
    // Whether or not install was given --allow-from: its NetworkPolicy goes too.
    allowFrom: ['0.0.0.0/0'],
  });
  const hooks = objects.filter((o) => o.kind.endsWith('WebhookConfiguration'));
  const rest = objects.filter((o) => !o.kind.endsWith('WebhookConfiguration')).reverse();
  const steps: UninstallStep[] = [];
  for (const obj of [...hooks, ...rest]) {
    const what = `${obj.kind}/${obj.metadata.name}`;
    let live: k8s.KubernetesObject;
    try {
      live = await c.objects.read({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: { name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) },
      });
    } catch (error) {
      if (isGone(error)) {
        steps.push({ what, outcome: 'absent' });
        continue;
      }
      throw new Error(`${what}: ${apiErrorMessage(error)}`);
    }
    if (live.metadata?.deletionTimestamp) {
      steps.push({ what, outcome: 'terminating' });
      continue;
    }
    const managedBy = live.metadata?.labels?.['app.kubernetes.io/managed-by'];
    if (managedBy !== MANAGED_BY['app.kubernetes.io/managed-by']) {
      steps.push({ what, outcome: 'kept', why: 'not created by kubectl graphdata install' });
      continue;
    }
    if (obj.kind === 'CustomResourceDefinition') {
      const policies = await countCustomResources(c, live as k8s.V1CustomResourceDefinition);
      if (policies > 0) {
        steps.push({
          what,
          outcome: 'kept',
          why: `${policies} policy object(s) still exist; delete them first (deleting the CRD would delete them)`,
        });
        continue;
      }
    }
    try {
      await c.objects.delete(live, undefined, dryRun ? 'All' : undefined, undefined, undefined, 'Background');
      steps.push({ what, outcome: 'deleted' });
    } catch (error) {
      if (isGone(error)) steps.push({ what, outcome: 'absent' });
      else throw new Error(`${what}: ${apiErrorMessage(error)}`);
    }
  }
  return steps;
}

async function countCustomResources(c: Clients, crd: k8s.V1CustomResourceDefinition): Promise<number> {
  const version = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name;
  const api = c.kc.makeApiClient(c.k8s.CustomObjectsApi);
  // 429 here means the CRD's storage is still (re)initializing, e.g. right after install:
  // the apiserver asks us to come back, so do, for up to about ten seconds.
  for (let attempt = 1; ; attempt++) {
    try {
      const list = (await api.listClusterCustomObject({
        group: crd.spec.group,
        version: version!,
        plural: crd.spec.names.plural,
      })) as { items?: unknown[] };
      return list.items?.length ?? 0;
    } catch (error) {
      if ((error as { code?: number }).code !== 429 || attempt >= 20) throw error;
      await sleep(500);
    }
  }
}

function isGone(error: unknown): boolean {
  const e = error as { code?: number; message?: string };
  return e.code === 404 || /resource metadata|Unrecognized API version/.test(e.message ?? '');
}
