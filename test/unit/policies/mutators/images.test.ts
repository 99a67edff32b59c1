import { describe, expect, it } from 'vitest';
import { images } from '../../../../policies/mutators/images.js';
import { graphscopeEnginePod, sparkExecutorPod } from '../../../fixtures/pods.js';
import { policyWith } from '../../../fixtures/policy.js';
import { contextFor } from './context.js';

describe('images mutator', () => {
  const spec = policyWith({
    images: {
      defaultTags: { 'apache/spark': '3.5.1' },
      mirrors: [{ from: 'docker.io', to: 'harbor.local/hub' }],
      pullPolicy: 'IfNotPresent',
      pullSecrets: ['harbor'],
    },
  }).spec;

  it('pins, mirrors, sets pull policy and adds the pull secret once', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.image = 'apache/spark:latest';
    pod.spec!.imagePullSecrets = [{ name: 'harbor' }];
    const { pod: out } = images.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(out.spec!.containers[0]).toMatchObject({
      image: 'harbor.local/hub/apache/spark:3.5.1',
      imagePullPolicy: 'IfNotPresent',
    });
    expect(out.spec!.imagePullSecrets).toEqual([{ name: 'harbor' }]);
  });

  it('covers every container, including sidecars and init containers, but not other registries', () => {
    const pod = graphscopeEnginePod();
    pod.spec!.initContainers = [{ name: 'wait', image: 'busybox' }];
    const { pod: out } = images.apply(pod, contextFor(pod, 'graphscope-engine', spec));
    expect(out.spec!.containers.map((c) => c.image)).toEqual([
      'registry.cn-hongkong.aliyuncs.com/graphscope/analytical:0.26.0',
      'harbor.local/hub/vineyardcloudnative/vineyardd:v0.21.3',
      'registry.cn-hongkong.aliyuncs.com/graphscope/dataset:0.26.0',
    ]);
    expect(out.spec!.initContainers![0]!.image).toBe('harbor.local/hub/library/busybox');
  });

  it('warns (skipped with a hint) about a floating image it cannot pin', () => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.image = 'someorg/tool:latest';
    const { actions } = images.apply(pod, contextFor(pod, 'spark-executor', spec));
    expect(actions).toContainEqual(
      expect.objectContaining({
        outcome: 'skipped',
        path: 'spec.containers[0].image',
        hint: expect.stringContaining('defaultTags'),
      }),
    );
  });
});
