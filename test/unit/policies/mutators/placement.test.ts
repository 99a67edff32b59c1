import { describe, expect, it } from 'vitest';
import { placement } from '../../../../policies/mutators/placement.js';
import { sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';
import { contextFor } from './context.js';

const withZoneTerms = () => {
  const pod = sparkExecutorPod();
  pod.spec!.affinity = {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
        ],
      },
    },
  };
  return pod;
};

describe('placement mutator', () => {
  it('nodeSelector mode merges labels and keeps a different value the pod chose', () => {
    const pod = sparkExecutorPod();
    pod.spec!.nodeSelector = { 'kubernetes.io/os': 'linux', alluxio: 'false' };
    const { pod: out, actions } = placement.apply(pod, contextFor(pod, 'spark-executor'));
    expect(out.spec!.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', alluxio: 'false' });
    expect(actions).toContainEqual(
      expect.objectContaining({ outcome: 'conflict', path: 'spec.nodeSelector["alluxio"]' }),
    );
  });

  it('required mode ANDs the requirement into every existing term (terms are ORed)', () => {
    const spec = policyWith({ placement: { mode: 'required' } }).spec;
    const pod = withZoneTerms();
    const { pod: out } = placement.apply(pod, contextFor(pod, 'spark-executor', spec));
    const terms = out.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    expect(terms).toHaveLength(2);
    for (const term of terms)
      expect(term.matchExpressions).toContainEqual({ key: 'alluxio', operator: 'In', values: ['true'] });
  });

  it('required mode creates a term when the pod has none', () => {
    const spec = policyWith({ placement: { mode: 'required' } }).spec;
    const pod = sparkExecutorPod();
    const { pod: out } = placement.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(out.spec!.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual(
      [{ matchExpressions: [{ key: 'alluxio', operator: 'In', values: ['true'] }] }],
    );
  });

  it('prefers Fluid cache nodes of the annotated dataset in the pod namespace', () => {
    const pod = sparkExecutorPod();
    pod.metadata!.annotations = { 'graphdata.io/dataset': 'imagenet' };
    const { pod: out } = placement.apply(pod, contextFor(pod, 'spark-executor', undefined, 'team-a'));
    expect(out.spec!.affinity!.nodeAffinity!.preferredDuringSchedulingIgnoredDuringExecution).toContainEqual({
      weight: 100,
      preference: { matchExpressions: [{ key: 'fluid.io/s-team-a-imagenet', operator: 'In', values: ['true'] }] },
    });
  });

  it('mode none leaves placement alone', () => {
    const spec = policyWith({ placement: { mode: 'none' } }).spec;
    const pod = sparkExecutorPod();
    const { pod: out } = placement.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(out.spec!.nodeSelector).toBeUndefined();
    expect(out.spec!.affinity).toBeUndefined();
  });
});
