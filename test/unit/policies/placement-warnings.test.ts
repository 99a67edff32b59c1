// A policy document that writes placement.mode required is admitted with a warning that
// its pods wait Pending without matching nodes; nodeSelector (the built-in default),
// preferred, none and inherited modes are not.
import { describe, expect, it } from 'vitest';
import { enforce } from '../../../policies/enforcement.js';
import { policyWith } from '../../fixtures/policy.js';

const clusterPolicy = (spec: Record<string, unknown>) => ({
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: 'platform' },
  spec,
});
const warnings = (object: unknown) =>
  enforce({ object, operation: 'CREATE' }, policyWith({}))
    .warnings.filter((f) => f.diagnostic.code === 'placement-required')
    .map((f) => [f.diagnostic.path, f.diagnostic.message]);

describe('placement-required warnings on policy documents', () => {
  it('spec.placement.mode required and a required profile: one warning each, with the labels in effect', () => {
    const doc = clusterPolicy({
      placement: { mode: 'required', nodeLabels: { alluxio: 'true' } },
      profiles: {
        pinned: { placement: { mode: 'required', nodeLabels: { pool: 'a' } } },
        soft: { placement: { mode: 'preferred', nodeLabels: { pool: 'b' } } },
      },
    });
    const verdict = enforce({ object: doc, operation: 'CREATE' }, policyWith({}));
    expect(verdict.allowed).toBe(true);
    expect(warnings(doc)).toEqual([
      [
        'spec.placement.mode',
        'injected pods wait Pending unless a node is labelled alluxio=true (placement.mode required)',
      ],
      [
        'spec.profiles.pinned.placement.mode',
        // Profile labels merge into the spec's: the pod needs both.
        'pods of profile pinned wait Pending unless a node is labelled alluxio=true,pool=a (placement.mode required)',
      ],
    ]);
  });

  it('nodeSelector (the default, as scaffold spells it out), preferred, none, or an unwritten mode: no warning', () => {
    expect(warnings(clusterPolicy({ placement: { mode: 'nodeSelector', nodeLabels: { alluxio: 'true' } } }))).toEqual(
      [],
    );
    expect(warnings(clusterPolicy({ placement: { mode: 'preferred', nodeLabels: { alluxio: 'true' } } }))).toEqual([]);
    expect(warnings(clusterPolicy({ placement: { mode: 'none' } }))).toEqual([]);
    expect(warnings(clusterPolicy({ placement: { nodeLabels: { pool: 'x' } } }))).toEqual([]);
  });

  it('a GraphDataPolicy writing required placement is warned with the labels layered over the cluster policy', () => {
    const doc = {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { name: 'team', namespace: 'team-a' },
      spec: { placement: { mode: 'required', nodeLabels: { pool: 'team-a' } } },
    };
    const cluster = { ...policyWith({}), kind: 'ClusterGraphDataPolicy' as const };
    const found = enforce({ object: doc, operation: 'CREATE' }, cluster).warnings.map((f) => f.diagnostic);
    expect(found.filter((d) => d.code === 'placement-required').map((d) => d.message)).toEqual([
      'injected pods wait Pending unless a node is labelled alluxio=true,pool=team-a (placement.mode required)',
    ]);
  });
});
