// The one small interface every mutator implements.
import type { Pod } from '../k8s.js';
import type { PodEdits } from '../patch.js';
import type { MasterUnavailable } from '../fluid-runtime.js';
import type { PolicySpec } from '../model.js';
import type { MutatorName, Workload } from '../workloads.js';

export interface MutationContext {
  /** The policy spec with the pod's profile applied. */
  spec: PolicySpec;
  workload: Workload;
  /** Names of the containers to inject into; never empty when a mutator runs. */
  targets: readonly string[];
  /** Namespace of the pod (from the admission request when the object has none). */
  namespace?: string;
  /** Labels of the pod's namespace; undefined when unknown (no cluster to ask). */
  namespaceLabels?: Readonly<Record<string, string>>;
  /**
   * Every change to the pod goes through here: it is recorded as the patch operation the
   * webhook sends (a change made any other way would be missing from the patch).
   */
  edits: PodEdits;
  /**
   * Whether the cluster serves `image` volumes: false makes the client jar's imageVolume
   * delivery fall back to the init container. Undefined when unknown (no cluster): the
   * policy's choice holds.
   */
  imageVolumes?: boolean;
  /** Fluid mode without a usable runtime: the master is unknown, so no client config; why, and what to do. */
  masterUnavailable?: MasterUnavailable;
}

export type ActionOutcome =
  /** Changed the pod. */
  | 'applied'
  /** Already there with the same content: nothing to do (what makes re-injection a no-op). */
  | 'present'
  /** Deliberately not done, with a reason. */
  | 'skipped'
  /**
   * Something with the same name but other content is there: it is left as is, nothing
   * that would depend on it is added, and the mutator is not recorded as applied.
   */
  | 'conflict';

export interface Action {
  mutator: MutatorName;
  outcome: ActionOutcome;
  /** What was acted on: `volume graphdata-alluxio-domain`, `env JAVA_TOOL_OPTIONS in executor`. */
  subject: string;
  reason?: string;
  hint?: string;
  /** Field path in the pod, for conflicts. */
  path?: string;
  /** A `skipped` that leaves something the policy requires undone: the safety net counts it as missing. */
  unmet?: boolean;
}

export interface MutatorOutcome {
  pod: Pod;
  actions: Action[];
}

export interface Mutator {
  name: MutatorName;
  /** One line for `explain`. */
  summary: string;
  /**
   * Receives the pod to change in place (the webhook's own parsed copy, or the plugin's
   * copy), changes it only through `ctx.edits`, and returns it.
   */
  apply(pod: Pod, ctx: MutationContext): MutatorOutcome;
}
