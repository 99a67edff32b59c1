// What the engine is told about the cluster for one request: its namespace's labels,
// Fluid runtimes, and whether the cluster serves image volumes. /mutate and /validate read the same, on the event loop and in the
// admission worker.
import type { InjectOptions } from '../policies/engine.js';
import type { RuntimeLookup } from '../policies/fluid-runtime.js';
import type { Policy } from '../policies/model.js';
import { type PodOptInScope, podOptInScope } from '../policies/pod-opt-in.js';
import type { NamespaceIndex } from './namespace-index.js';

export interface ClusterContext {
  /** Namespace labels (PodSecurity level, profile namespaceSelector); absent without a cluster. */
  namespaces?: NamespaceIndex;
  /** Fluid mode: AlluxioRuntimes from an informer; absent without a cluster. */
  runtimes?: RuntimeLookup;
  /** Whether the cluster serves image volumes, found at start; absent without a cluster. */
  imageVolumes?: boolean;
}

/**
 * Whether the cluster policy in effect allows pod-level opt-in in the request's namespace,
 * by its labels from the informer (unknown labels: not allowed). /mutate/pod-opt-in and
 * /validate/pod-opt-in read the same, on the event loop and (sent as data) in the worker.
 */
export const podOptInScopeFor = (
  cluster: Policy,
  namespace: string | undefined,
  namespaces?: NamespaceIndex,
): PodOptInScope => podOptInScope(cluster, namespace, namespace ? namespaces?.labels(namespace) : undefined);

/**
 * What the engine is told about the request's namespace. /mutate and /validate must use
 * the same: a pod injected without the socket under PodSecurity `restricted` would
 * otherwise fail the safety net's "should have been injected" check.
 */
export function injectOptionsFor(
  namespace: string | undefined,
  namespaces?: NamespaceIndex,
  runtimes?: RuntimeLookup,
  imageVolumes?: boolean,
): InjectOptions {
  const namespaceLabels = namespace ? namespaces?.labels(namespace) : undefined;
  // Without the request's namespace the engine would look runtimes up in the pod's own
  // metadata.namespace, which its author writes: no lookup at all then.
  return {
    ...(namespace ? { namespace } : {}),
    ...(namespaceLabels ? { namespaceLabels } : {}),
    ...(runtimes && namespace ? { runtimes } : {}),
    ...(imageVolumes !== undefined ? { imageVolumes } : {}),
  };
}
