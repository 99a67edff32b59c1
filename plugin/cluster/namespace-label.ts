// `enable` / `disable`: the namespace opt-in label, nothing else.
import { LABEL_INJECT } from '../../policies/model.js';
import { UserError } from '../base.js';
import { apiErrorMessage, type KubeFlags, loadKubeConfig } from '../kube.js';

export async function setInjectLabel(
  flags: KubeFlags,
  enabled: boolean,
  dryRun: 'none' | 'client' | 'server',
): Promise<string> {
  const namespace = flags.namespace;
  if (!namespace) throw new UserError('name the namespace with -n NAMESPACE', undefined, 2);
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
