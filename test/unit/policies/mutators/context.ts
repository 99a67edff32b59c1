// A mutation context for calling one mutator directly.
import type { Pod } from '../../../../policies/k8s.js';
import type { PolicySpec } from '../../../../policies/model.js';
import type { MutationContext } from '../../../../policies/mutators/index.js';
import { PodEdits } from '../../../../policies/patch.js';
import { WORKLOADS, type WorkloadName } from '../../../../policies/workloads.js';
import { defaultPolicy } from '../../../fixtures/policy.js';

export function contextFor(
  pod: Pod,
  workloadName: WorkloadName,
  spec: PolicySpec = defaultPolicy().spec,
  namespace = 'tenant-a',
): MutationContext {
  const workload = WORKLOADS.find((w) => w.name === workloadName)!;
  const targets = pod.spec!.containers.map((c) => c.name).filter((n) => workload.targetContainers.includes(n));
  return { spec, workload, targets, namespace, edits: new PodEdits() };
}
