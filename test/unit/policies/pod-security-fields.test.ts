// PodSecurity baseline forbids `host` in probes and lifecycle hooks since 1.34 (as it
// forbids hostPath, host ports and host namespaces). Injection never adds any of them:
// every pod shape, under either client-jar delivery, keeps its probes and hooks as written,
// and the containers graphdata adds have none.
import { describe, expect, it } from 'vitest';
import { inject } from '../../../policies/engine.js';
import type { Container, Pod } from '../../../policies/k8s.js';
import { POD_SHAPES } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';

const HOOK_FIELDS = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'ports'] as const;
const POLICIES = {
  initContainer: policyWith({}),
  imageVolume: policyWith({ alluxio: { clientJar: { delivery: 'imageVolume' } } }),
};
const BASELINE = { 'pod-security.kubernetes.io/enforce': 'baseline' };

const allContainers = (pod: Pod): Container[] => [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
const hooks = (c: Container) => Object.fromEntries(HOOK_FIELDS.map((f) => [f, c[f]]));

/** A shape with an HTTP probe and an exec hook, so there is something to keep. */
const withProbes = (pod: Pod): Pod => {
  const c = pod.spec!.containers[0]!;
  c.readinessProbe = { httpGet: { path: '/ready', port: 8080 } };
  c.lifecycle = { preStop: { exec: { command: ['sleep', '5'] } } };
  return pod;
};

describe('injection adds no probe, hook or port (PodSecurity baseline: no host in them since 1.34)', () => {
  for (const [delivery, policy] of Object.entries(POLICIES)) {
    for (const shape of POD_SHAPES) {
      it(`${shape.name}, client jar by ${delivery}`, () => {
        for (const input of [shape.pod(), withProbes(shape.pod())]) {
          const before = new Map(allContainers(input).map((c) => [c.name, hooks(c)]));
          const { pod } = inject(structuredClone(input), policy, { namespaceLabels: BASELINE });
          for (const c of allContainers(pod)) {
            const expected = before.get(c.name) ?? Object.fromEntries(HOOK_FIELDS.map((f) => [f, undefined]));
            expect(hooks(c), c.name).toEqual(expected);
          }
          expect(pod.spec?.hostNetwork ?? false).toBe(input.spec?.hostNetwork ?? false);
          expect((pod.spec?.volumes ?? []).filter((v) => v.hostPath)).toEqual(
            (input.spec?.volumes ?? []).filter((v) => v.hostPath),
          );
        }
      });
    }
  }
});
