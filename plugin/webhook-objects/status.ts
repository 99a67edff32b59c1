// What is installed and whether it works, read from the cluster: `status` prints it and
// `doctor` checks it. Every part is reported even when another fails (a missing
// permission names itself).
import { inspectCert } from '../../certs/pki.js';
import { bundleTrusts } from '../../certs/rollover.js';
import { readServingSecret, readWebhookBundles } from '../../common/cluster-certs.js';
import { APP_NAME, LEADER_LEASE, WEBHOOK_NAME } from '../../common/cluster-names.js';
import { GROUP, LABEL_INJECT } from '../../policies/model.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import { daysLeft } from '../output/checks.js';
import type { Clients } from '../kube/clients.js';
import { handshake } from '../kube/webhook-handshake.js';
import { type PodOptInStatus, podOptInStatus } from './pod-opt-in-status.js';
import { leftovers } from './install-modes.js';

export interface StatusReport {
  installed: boolean;
  namespace: string;
  /** In-cluster Deployment, or the URL of a webhook outside the cluster. */
  webhook:
    | { mode: 'in-cluster'; replicas: number; ready: number; leader?: string }
    | { mode: 'url'; url: string; reachable: boolean; error?: string }
    | { mode: 'none'; reason: string };
  certificate?: { subject: string; notAfter: string; daysLeft: number; fingerprintSha256: string } | { error: string };
  caBundles: { configuration: string; trustsServingCert: boolean }[];
  /** Labelled for injection and not being deleted. */
  optedInNamespaces: string[] | { error: string };
  /** Where pods may opt in by their own label (pod-level opt-in), per the ClusterGraphDataPolicy in effect. */
  podOptIn?: PodOptInStatus | { error: string };
  /** Labelled for injection but terminating: no pod can be created there, so not counted as opted in. */
  terminatingNamespaces?: string[];
  /** What the webhook answers at /version: the policy it uses and its snapshot. */
  policyInUse?: { source: string; generation?: number; stale?: boolean } | { error: string };
  policies:
    | {
        name: string;
        namespace?: string;
        generation: number;
        /** The Ready condition the webhook writes back (absent until a webhook with a cluster has seen it). */
        ready?: { status: string; reason?: string; observedGeneration?: number };
      }[]
    | { error: string };
  /**
   * Objects install made that the registered mode does not use (`Kind/name` in the
   * namespace): the in-cluster webhook's after a switch to a URL, or everything when
   * nothing is registered. Absent when they could not be read.
   */
  leftovers?: string[];
  healthy: boolean;
}

/**
 * Opted-in namespaces apart from those being deleted (deletionTimestamp set, phase
 * Terminating): the apiserver refuses new pods there, so they are not counted as opted in.
 */
export function splitTerminating(
  namespaces: readonly { metadata?: { name?: string; deletionTimestamp?: unknown }; status?: { phase?: string } }[],
): { optedIn: string[]; terminating: string[] } {
  const optedIn: string[] = [];
  const terminating: string[] = [];
  for (const n of namespaces) {
    const name = n.metadata?.name;
    if (!name) continue;
    (n.metadata?.deletionTimestamp || n.status?.phase === 'Terminating' ? terminating : optedIn).push(name);
  }
  return { optedIn: optedIn.sort(), terminating: terminating.sort() };
}

export async function gatherStatus(c: Clients, namespace: string): Promise<StatusReport> {
  let mutating;
  try {
    mutating = await c.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_NAME });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
  const url = mutating?.webhooks?.[0]?.clientConfig.url;
  let webhook: StatusReport['webhook'];
  let servingPem: string | undefined;
  let certError: string | undefined;
  const bundles = await readWebhookBundles(c.admission).catch(() => []);

  if (!mutating) webhook = { mode: 'none', reason: `no MutatingWebhookConfiguration ${WEBHOOK_NAME}` };
  else if (url) {
    const u = new URL(url);
    const served = await handshake(u.hostname, Number(u.port || 443), bundles[0]?.bundle ?? '');
    webhook = { mode: 'url', url, reachable: served.connected, ...(served.connected ? {} : { error: served.error }) };
    servingPem = served.certPem;
    if (!served.connected) certError = `cannot reach ${u.host}: ${served.error}`;
  } else {
    try {
      const dep = await c.apps.readNamespacedDeployment({ name: APP_NAME, namespace });
      let leader: string | undefined;
      try {
        const coordination = c.kc.makeApiClient(c.k8s.CoordinationV1Api);
        leader = (await coordination.readNamespacedLease({ name: LEADER_LEASE, namespace })).spec?.holderIdentity;
      } catch {
        /* no lease yet */
      }
      webhook = {
        mode: 'in-cluster',
        replicas: dep.spec?.replicas ?? 0,
        ready: dep.status?.readyReplicas ?? 0,
        ...(leader ? { leader } : {}),
      };
    } catch (error) {
      webhook = { mode: 'none', reason: `Deployment ${namespace}/${APP_NAME}: ${apiErrorMessage(error)}` };
    }
    try {
      servingPem = (await readServingSecret(c.core, namespace))?.certPem;
      if (!servingPem) certError = `no serving certificate Secret in ${namespace}`;
    } catch (error) {
      certError = apiErrorMessage(error);
    }
  }

  let certificate: StatusReport['certificate'];
  if (servingPem) {
    const info = inspectCert(servingPem);
    certificate = {
      subject: info.subject,
      notAfter: info.notAfter.toISOString(),
      daysLeft: daysLeft(info.notAfter),
      fingerprintSha256: info.fingerprintSha256,
    };
  } else if (mutating) certificate = { error: certError ?? 'unknown' };

  const caBundles = bundles.map((b) => ({
    configuration: `${b.kind}/${b.name}`,
    trustsServingCert: Boolean(servingPem && bundleTrusts(b.bundle, servingPem)),
  }));

  let optedInNamespaces: StatusReport['optedInNamespaces'];
  let terminatingNamespaces: string[] | undefined;
  try {
    const list = await c.core.listNamespace({ labelSelector: `${LABEL_INJECT}=enabled` });
    ({ optedIn: optedInNamespaces, terminating: terminatingNamespaces } = splitTerminating(list.items));
  } catch (error) {
    optedInNamespaces = { error: apiErrorMessage(error) };
  }

  let policies: StatusReport['policies'];
  let podOptIn: StatusReport['podOptIn'];
  try {
    const custom = c.kc.makeApiClient(c.k8s.CustomObjectsApi);
    const items: {
      kind?: string;
      metadata: { name: string; namespace?: string; generation?: number; creationTimestamp?: string };
      spec?: { podOptIn?: { namespaceSelector?: import('../../policies/model.js').LabelSelector } };
      status?: { observedGeneration?: number; conditions?: { type: string; status: string; reason?: string }[] };
    }[] = [];
    // uninstall keeps a policy CRD while objects of its kind exist and removes the other: one
    // kind not served still lists the other's policies (a 404 from both says not installed).
    let oneNotServed = false;
    for (const plural of ['clustergraphdatapolicies', 'graphdatapolicies']) {
      try {
        const list = (await custom.listClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural })) as {
          items: typeof items;
        };
        items.push(...list.items.map((i) => ({ ...i, kind: plural })));
      } catch (error) {
        if ((error as { code?: number }).code !== 404 || oneNotServed) throw error;
        oneNotServed = true;
      }
    }
    try {
      const all = await c.core.listNamespace();
      podOptIn = podOptInStatus(
        items.filter((i) => i.kind === 'clustergraphdatapolicies'),
        all.items,
        namespace,
      );
    } catch (error) {
      podOptIn = { error: apiErrorMessage(error) };
    }
    policies = items.map((p) => {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      return {
        name: p.metadata.name,
        ...(p.metadata.namespace ? { namespace: p.metadata.namespace } : {}),
        generation: p.metadata.generation ?? 0,
        ...(ready
          ? {
              ready: {
                status: ready.status,
                ...(ready.reason ? { reason: ready.reason } : {}),
                ...(p.status?.observedGeneration !== undefined
                  ? { observedGeneration: p.status.observedGeneration }
                  : {}),
              },
            }
          : {}),
      };
    });
  } catch (error) {
    policies = {
      error: (error as { code?: number }).code === 404 ? 'policy CRDs not installed' : apiErrorMessage(error),
    };
  }

  let leftoverObjects: string[] | undefined;
  try {
    const mode = !mutating ? 'none' : url ? 'url' : 'in-cluster';
    leftoverObjects = (await leftovers(c, namespace, mode)).map((l) => l.what);
  } catch {
    // A user who may not read them gets the rest of the report.
  }

  const installed = webhook.mode !== 'none';
  let policyInUse: StatusReport['policyInUse'];
  if (installed) {
    const { fetchWebhookVersion } = await import('../kube/webhook-version.js');
    const answer = await fetchWebhookVersion(c.k8s, c.kc);
    policyInUse = answer.found
      ? {
          source: answer.policy ?? 'unknown',
          ...(answer.policyStore ? { generation: answer.policyStore.generation, stale: answer.policyStore.stale } : {}),
        }
      : { error: answer.reason };
  }
  const running =
    webhook.mode === 'in-cluster' ? webhook.ready >= 1 : webhook.mode === 'url' ? webhook.reachable : false;
  const healthy =
    installed &&
    running &&
    caBundles.length > 0 &&
    caBundles.every((b) => b.trustsServingCert) &&
    certificate !== undefined &&
    !('error' in certificate) &&
    certificate.daysLeft > 0 &&
    !leftoverObjects?.length;
  return {
    installed,
    namespace,
    webhook,
    ...(certificate ? { certificate } : {}),
    caBundles,
    optedInNamespaces,
    ...(podOptIn ? { podOptIn } : {}),
    ...(terminatingNamespaces ? { terminatingNamespaces } : {}),
    ...(policyInUse ? { policyInUse } : {}),
    policies,
    ...(leftoverObjects ? { leftovers: leftoverObjects } : {}),
    healthy,
  };
}
