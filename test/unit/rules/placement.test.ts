import { describe, expect, it } from 'vitest';
import { placementRule } from '../../../policies/rules/placement.js';
import { pod, run, sparkApp } from './helpers.js';

const required = (operator: string, values: string[]) => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: 'alluxio', operator, values }] }],
    },
  },
});

describe('executor-off-cache-nodes', () => {
  it('fires on a SparkApplication executor nodeSelector that contradicts the policy labels', () => {
    const [d] = run(sparkApp({ spec: { executor: { nodeSelector: { alluxio: 'false' } } } }), {}, placementRule);
    expect(d).toMatchObject({
      severity: 'warning',
      code: 'executor-off-cache-nodes',
      path: 'spec.executor.nodeSelector.alluxio',
    });
    expect(d!.hint).toContain('"true"');
  });

  it('fires on executor pods whose required affinity excludes the cache nodes', () => {
    expect(run(pod({ spec: { affinity: required('NotIn', ['true']) } }), {}, placementRule).map((d) => d.path)).toEqual(
      ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms'],
    );
    expect(
      run(pod({ spec: { affinity: required('In', ['false']) } }), { mode: 'Enforce' }, placementRule)[0]?.severity,
    ).toBe('error');
  });

  it('stays quiet for matching placement, drivers, and policies without placement', () => {
    expect(run(sparkApp({ spec: { executor: { nodeSelector: { alluxio: 'true' } } } }), {}, placementRule)).toEqual([]);
    expect(run(pod({ spec: { affinity: required('In', ['true', 'false']) } }), {}, placementRule)).toEqual([]);
    expect(run(sparkApp({ spec: { driver: { nodeSelector: { alluxio: 'false' } } } }), {}, placementRule)).toEqual([]);
    expect(
      run(
        sparkApp({ spec: { executor: { nodeSelector: { alluxio: 'false' } } } }),
        { placement: { mode: 'none' } },
        placementRule,
      ),
    ).toEqual([]);
  });
});
