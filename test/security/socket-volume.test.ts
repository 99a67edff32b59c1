// Escape attempts through the socket volume: what a volume *is* decides whether it is the
// worker's socket directory, never its name. A tenant cannot get another directory treated
// as the socket (and so short-circuit reads pointed at it, or the safety net satisfied) by
// naming a volume like ours, and the hostPath rule judges the normalised path.
import { describe, expect, it } from 'vitest';
import { inject } from '../../policies/engine.js';
import { checkObject, ruleContext } from '../../policies/rules/index.js';
import { notInjectedDiagnostic } from '../../policies/injection-check.js';
import type { Pod } from '../../policies/k8s.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { defaultPolicy, policyWith } from '../fixtures/policy.js';

const withVolume = (path: string, name = 'graphdata-alluxio-domain'): Pod => {
  const pod = sparkExecutorPod();
  pod.spec!.volumes = [...(pod.spec!.volumes ?? []), { name, hostPath: { path, type: 'Directory' } }];
  pod.spec!.containers[0]!.volumeMounts = [
    ...(pod.spec!.containers[0]!.volumeMounts ?? []),
    { name, mountPath: '/opt/domain', readOnly: true },
  ];
  return pod;
};

describe('a volume named like ours that points elsewhere', () => {
  it('is a conflict: not mounted as the socket, short-circuit off; the rest is injected and admitted', () => {
    const policy = defaultPolicy();
    const pod = withVolume('/data/team-a');
    const r = inject(pod, policy, { namespace: 'team-b' });
    expect(r.actions).toContainEqual(
      expect.objectContaining({ mutator: 'domain-socket', outcome: 'conflict', path: 'spec.volumes[1]' }),
    );
    const java = r.pod.spec!.containers[0]!.env!.find((e) => e.name === 'JAVA_TOOL_OPTIONS')!.value!;
    expect(java).not.toContain('domain.socket.address');
    expect(r.pod.spec!.volumes!.filter((v) => v.name === 'graphdata-alluxio-domain')).toEqual([
      { name: 'graphdata-alluxio-domain', hostPath: { path: '/data/team-a', type: 'Directory' } },
    ]);
    expect(notInjectedDiagnostic(r.pod, policy, { namespace: 'team-b' })).toBeUndefined();
  });

  it('a path that starts like the socket directory but walks out of it is neither the socket nor allowed', () => {
    const policy = policyWith({ mode: 'Enforce', limits: { allowedHostPaths: [] } });
    const sneaky = withVolume('/tmp/alluxio-domain/../../data/team-a', 'mine');
    const findings = checkObject(sneaky, ruleContext(policy, [sneaky])).filter((d) => d.severity === 'error');
    expect(findings.map((d) => d.code)).toContain('hostpath-not-allowed');
    // Not taken for the socket: the user's mount at the socket path is something else.
    const r = inject(sneaky, policy, { namespace: 'team-b' });
    expect(r.actions).toContainEqual(expect.objectContaining({ mutator: 'domain-socket', outcome: 'conflict' }));
  });
});
