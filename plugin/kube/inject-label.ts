// `enable` / `disable`: the namespace opt-in label, nothing else.
import { LABEL_INJECT } from '../../policies/model.js';
import { type DryRunMode, UserError } from '../cli/base.js';
import { apiErrorMessage, type KubeFlags, loadKubeConfig } from './kubeconfig.js';

export async function setInjectLabel(flags: KubeFlags, enabled: boolean, dryRun: DryRunMode): Promise<string> {
  const namespace = flags.namespace;
  if (!namespace)
    throw new UserError(
      'name the namespace with -n NAMESPACE',
      `e.g. kubectl graphdata ${enabled ? 'enable' : 'disable'} -n analytics`,
      2,
    );
  const { k8s, kc } = await loadKubeConfig(flags);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let ns;
  try {
    ns = await core.readNamespace({ name: namespace });
  } catch (error) {
    throw new UserError(
      `namespace ${namespace}: ${apiErrorMessage(error)}`,
      'create it first, or check -n and --context',
    );
  }
  if (enabled) await refuseExcluded(kc, k8s, namespace, ns.metadata?.labels ?? {});
  const current = ns.metadata?.labels?.[LABEL_INJECT];
  const want = enabled ? 'enabled' : undefined;
  const suffix = dryRun === 'none' ? '' : ` (dry run: ${dryRun})`;
  if (current === want) {
    return `namespace ${namespace} is already ${enabled ? 'opted in' : 'not opted in'}${suffix}`;
  }
  const path = `/metadata/labels/${LABEL_INJECT.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const patch = enabled
    ? [
        ...(ns.metadata?.labels ? [] : [{ op: 'add', path: '/metadata/labels', value: {} }]),
        { op: 'add', path, value: 'enabled' },
      ]
    : [{ op: 'remove', path }];
  if (dryRun !== 'client') {
    try {
      await core.patchNamespace({ name: namespace, body: patch, ...(dryRun === 'server' ? { dryRun: 'All' } : {}) });
    } catch (error) {
      throw new UserError(
        `cannot label namespace ${namespace}: ${apiErrorMessage(error)}`,
        'you need patch on namespaces',
      );
    }
  }
  return enabled
    ? `namespace ${namespace} opted in: new pods there are injected (${LABEL_INJECT}=enabled)${suffix}`
    : `namespace ${namespace} opted out: new pods there are no longer injected (${LABEL_INJECT} removed)${suffix}`;
}

/**
 * The label would be a lie in a namespace the registration leaves out (the system ones and
 * the webhook's own, so it can always restart): say why instead. Without read access to
 * the registration, the system namespaces are still known to be excluded.
 */
async function refuseExcluded(
  kc: import('@kubernetes/client-node').KubeConfig,
  k8s: typeof import('@kubernetes/client-node'),
  namespace: string,
  labels: Record<string, string>,
): Promise<void> {
  const { SYSTEM_NAMESPACES } = await import('../webhook-objects/registration.js');
  const { selects } = await import('../output/checks.js');
  const { WEBHOOK_NAME } = await import('../../common/cluster-names.js');
  const wanted = { ...labels, [LABEL_INJECT]: 'enabled', 'kubernetes.io/metadata.name': namespace };
  let selector: unknown;
  try {
    const config = await kc
      .makeApiClient(k8s.AdmissionregistrationV1Api)
      .readMutatingWebhookConfiguration({ name: WEBHOOK_NAME });
    selector = config.webhooks?.[0]?.namespaceSelector;
  } catch {
    selector = undefined; // not installed, or not readable by this user
  }
  if (selector !== undefined ? !selects(selector as never, wanted) : SYSTEM_NAMESPACES.includes(namespace)) {
    throw new UserError(
      `namespace ${namespace} cannot be opted in: the webhook registration (MutatingWebhookConfiguration/${WEBHOOK_NAME}) excludes it, ` +
        "as it does the system namespaces (kube-system, kube-public, kube-node-lease) and the webhook's own namespace, so that the cluster and the webhook can always start pods",
      'run your workloads in a namespace of their own and opt that one in',
    );
  }
}
