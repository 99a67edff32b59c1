// `enable --pod-level`: may pods of a namespace opt in by their own label? Read-only: the
// cluster policy decides (spec.podOptIn), and only a cluster admin writes it.
import { GROUP } from '../../policies/model.js';
import { UserError } from '../cli/base.js';
import { apiErrorMessage, type KubeFlags, loadKubeConfig } from '../kube/kubeconfig.js';
import { podOptInStatus } from '../webhook-objects/pod-opt-in-status.js';

export async function checkPodLevelOptIn(flags: KubeFlags, webhookNamespace: string): Promise<string> {
  const namespace = flags.namespace;
  if (!namespace)
    throw new UserError(
      'name the namespace with -n NAMESPACE',
      'e.g. kubectl graphdata enable --pod-level -n analytics',
      2,
    );
  const { k8s, kc } = await loadKubeConfig(flags);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  let ns;
  let policies;
  try {
    ns = await core.readNamespace({ name: namespace });
    policies = (await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .listClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: 'clustergraphdatapolicies' })) as {
      items: Parameters<typeof podOptInStatus>[0][number][];
    };
  } catch (error) {
    throw new UserError(
      `cannot read namespace ${namespace} and the ClusterGraphDataPolicies: ${apiErrorMessage(error)}`,
      'you need get on the namespace and list on clustergraphdatapolicies',
    );
  }
  if (ns.metadata?.labels?.['graphdata.io/inject'] === 'enabled')
    return `namespace ${namespace} is opted in as a whole (namespace label): its pods need no label of their own`;
  const status = podOptInStatus(policies.items, [ns], webhookNamespace);
  if (status.namespaces.includes(namespace))
    return `pods in ${namespace} may opt in with the label graphdata.io/inject=enabled on the pod (or its template): ${status.policy} spec.podOptIn selects the namespace (${status.selector})`;
  throw new UserError(
    `pods in ${namespace} may not opt in by their own label: ${
      status.selector === undefined
        ? `${status.policy} has no spec.podOptIn`
        : `${status.policy} spec.podOptIn selects ${status.selector}, and ${namespace} does not match`
    } (labelled pods there are denied)`,
    `ask the platform team to select ${namespace} in spec.podOptIn.namespaceSelector, or opt the whole namespace in: kubectl graphdata enable -n ${namespace}`,
  );
}
