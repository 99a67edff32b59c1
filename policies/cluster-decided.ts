// What offline checks cannot know because the cluster decides it at admission: in Fluid
// mode, whether the pod's AlluxioRuntime is Ready when the pod is created. `validate`
// says so as a finding; silence would read as "the webhook admits it", while the
// not-injected safety net denies a pod whose runtime is not Ready. Pure.
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { fluidMasterFor, type RuntimeLookup } from './fluid-runtime.js';
import type { Pod } from './k8s.js';
import { ANNOTATION_DATASET, type Policy } from './model.js';
import { chooseProfile } from './profile-choice.js';
import { NOT_INJECTED, ruleMode } from './rule-codes.js';

export const CLUSTER_DECIDED_CODE = 'cluster-decided';

/**
 * For a pod the engine could not give its Alluxio master offline (`engineCodes` holds
 * client-config-skipped) because its runtime is missing from the input or not Ready
 * there: the finding that the cluster decides, and what the webhook does if it is not
 * Ready then. Nothing when the reason is in the pod itself (no or a bad annotation),
 * which offline checks already decide.
 */
export function clusterDecided(
  pod: Pod,
  policy: Policy,
  namespace: string,
  runtimes: RuntimeLookup,
  engineCodes: readonly string[],
): Diagnostic[] {
  if (!engineCodes.includes('client-config-skipped')) return [];
  const annotations = pod.metadata?.annotations;
  const { spec } = chooseProfile(annotations?.['graphdata.io/profile'], policy, { namespace });
  if (spec.cache !== 'fluid') return [];
  const dataset = annotations?.[ANNOTATION_DATASET];
  const offline = fluidMasterFor(annotations, namespace, runtimes);
  if (offline.ready || dataset === undefined) return [];
  // Only a runtime absent from the input or not Ready there; bad names and missing
  // namespaces are the pod's own mistakes, already reported.
  const info = runtimes(namespace, dataset);
  const missing = info === undefined && offline.reason.startsWith('there is no AlluxioRuntime');
  if (!missing && !(info !== undefined && !info.ready)) return [];
  const outcome =
    ruleMode(spec, NOT_INJECTED) === 'Enforce'
      ? 'denies it (the not-injected safety net, Enforce)'
      : 'admits it uninjected with a not-injected warning';
  return [
    diagnostic(
      'info',
      CLUSTER_DECIDED_CODE,
      `Fluid runtime readiness is checked at admission, by the cluster. Offline, ${offline.reason}; ` +
        `if AlluxioRuntime ${dataset} in namespace ${namespace} is not Ready when the pod is created, the webhook ${outcome}`,
      {
        path: `metadata.annotations["${ANNOTATION_DATASET}"]`,
        hint: `create the pod once kubectl get alluxioruntime ${dataset} -n ${namespace} shows the master Ready; validate --server lets the webhook in the cluster decide`,
      },
    ),
  ];
}
