// A re-install on a cluster where the HPA has scaled the webhook must keep the HPA's
// replica count. No controller-manager runs here, so the test scales through /scale the
// way the HPA controller does, then applies the install bundle's Deployment again.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installManifests, type ManifestObject } from '../../plugin/webhook-objects/manifests.js';
import { APP_NAME } from '../../common/cluster-names.js';
import { applyAll, keepLiveReplicas } from '../../plugin/install/steps.js';
import { makeClients } from '../../plugin/kube/clients.js';
import { kubeConfig } from '../cluster/kube.js';

const NS = 'gd-reinstall-e2e';
const clients = () => makeClients(k8s, kubeConfig('admin'));
const quiet = () => {};

/** The Deployment exactly as `install --replicas N` would apply it. */
const deploymentFor = (replicas: number): ManifestObject[] =>
  installManifests({ namespace: NS, replicas, caBundle: '' }).filter((o) => o.kind === 'Deployment');

const liveReplicas = async () =>
  (await clients().apps.readNamespacedDeployment({ name: APP_NAME, namespace: NS })).spec?.replicas;

/** What the HPA controller does: an update of the scale subresource, under its own field manager. */
async function scaleLikeTheHpa(replicas: number): Promise<void> {
  await clients().apps.replaceNamespacedDeploymentScale({
    name: APP_NAME,
    namespace: NS,
    body: { metadata: { name: APP_NAME, namespace: NS }, spec: { replicas } },
    fieldManager: 'horizontal-pod-autoscaler',
  });
}

beforeAll(async () => {
  await clients()
    .core.createNamespace({ body: { metadata: { name: NS } } })
    .catch(() => undefined);
  await applyAll(clients(), deploymentFor(2), false, quiet);
});

afterAll(async () => {
  await clients()
    .core.deleteNamespace({ name: NS })
    .catch(() => undefined);
});

describe('re-install with an HPA that has scaled the webhook', () => {
  it('a plain re-apply of the bundle would reset the HPA to the installed count (what keepLiveReplicas prevents)', async () => {
    await scaleLikeTheHpa(5);
    await applyAll(clients(), deploymentFor(2), false, quiet);
    expect(await liveReplicas()).toBe(2);
  });

  it('install keeps the replicas the HPA chose', async () => {
    await scaleLikeTheHpa(5);
    await applyAll(clients(), await keepLiveReplicas(clients(), deploymentFor(2), NS), false, quiet);
    expect(await liveReplicas()).toBe(5);
  });

  it('a higher --replicas than what runs raises it at once', async () => {
    await scaleLikeTheHpa(3);
    await applyAll(clients(), await keepLiveReplicas(clients(), deploymentFor(4), NS), false, quiet);
    expect(await liveReplicas()).toBe(4);
  });

  it('with no Deployment yet, the requested count is applied unchanged', async () => {
    const planned = await keepLiveReplicas(clients(), deploymentFor(2), 'gd-reinstall-absent');
    expect((planned[0]!.spec as { replicas: number }).replicas).toBe(2);
  });
});
