import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../policies/policy-loader.js';
import { DEFAULT_POLICY_FILE } from '../../fixtures/policy.js';

describe('policy loading', () => {
  it('loads the built-in policy with the seed defaults', () => {
    const { policy, diagnostics } = parsePolicy(readFileSync(DEFAULT_POLICY_FILE, 'utf8'));
    expect(diagnostics).toEqual([]);
    expect(policy).toMatchObject({
      kind: 'ClusterGraphDataPolicy',
      name: 'default',
      generation: 1,
      spec: {
        alluxio: {
          version: '2.9.4',
          image: 'alluxio/alluxio:2.9.4',
          master: { hostname: 'alluxio-master-0.alluxio', rpcPort: 19998 },
          domainSocket: { hostPath: '/tmp/alluxio-domain', mountPath: '/opt/domain' },
        },
        placement: { mode: 'nodeSelector', nodeLabels: { alluxio: 'true' } },
      },
    });
  });

  it('fills schema defaults so a policy file only states what it changes', () => {
    const { policy } = parsePolicy(
      'apiVersion: graphdata.io/v1alpha1\nkind: GraphDataPolicy\nmetadata: {name: team-a, namespace: team-a}\nspec:\n  alluxio:\n    master: {hostname: my-master}\n',
    );
    expect(policy?.spec.alluxio.master).toEqual({ hostname: 'my-master', rpcPort: 19998 });
    expect(policy?.spec.alluxio.domainSocket.mountPath).toBe('/opt/domain');
    expect(policy?.namespace).toBe('team-a');
  });

  it('points at the line and field of a mistake, with a suggestion', () => {
    const text = [
      'apiVersion: graphdata.io/v1alpha1',
      'kind: ClusterGraphDataPolicy',
      'metadata: {name: default}',
      'spec:',
      '  placement:',
      '    mode: prefered',
      '  alluxio:',
      '    master:',
      '      rpcPort: "19998"',
      '    domainSockt: {}',
    ].join('\n');
    const { policy, diagnostics } = parsePolicy(text, 'policy.yaml');
    expect(policy).toBeUndefined();
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        path: 'spec.placement.mode',
        line: 6,
        file: 'policy.yaml',
        hint: 'did you mean "preferred"?',
      }),
    );
    expect(diagnostics).toContainEqual(expect.objectContaining({ path: 'spec.alluxio.master.rpcPort', line: 9 }));
    expect(diagnostics).toContainEqual(
      expect.objectContaining({ path: 'spec.alluxio.domainSockt', line: 10, hint: 'did you mean "domainSocket"?' }),
    );
  });

  it('reports YAML syntax errors and files without a policy', () => {
    expect(parsePolicy('spec: [', 'p.yaml').diagnostics[0]).toMatchObject({
      code: 'yaml-syntax',
      file: 'p.yaml',
      line: 1,
    });
    expect(parsePolicy('kind: Pod\n').diagnostics[0]).toMatchObject({ code: 'policy-missing' });
  });

  it('reads PVC mode for the domain socket and profile owners', () => {
    const { policy, diagnostics } = parsePolicy(
      [
        'apiVersion: graphdata.io/v1alpha1',
        'kind: ClusterGraphDataPolicy',
        'metadata: {name: default}',
        'spec:',
        '  alluxio:',
        '    domainSocket: {persistentVolumeClaim: alluxio-worker-domain-socket}',
        '  profiles:',
        '    tenant-a-dedicated:',
        '      allowedNamespaces: [tenant-a]',
        '      namespaceSelector: {matchLabels: {team: a}}',
        '      placement: {mode: required}',
      ].join('\n'),
    );
    expect(diagnostics).toEqual([]);
    expect(policy?.spec.alluxio.domainSocket).toEqual({
      hostPath: '/tmp/alluxio-domain',
      mountPath: '/opt/domain',
      persistentVolumeClaim: 'alluxio-worker-domain-socket',
    });
    expect(policy?.profiles['tenant-a-dedicated']).toMatchObject({
      allowedNamespaces: ['tenant-a'],
      namespaceSelector: { matchLabels: { team: 'a' } },
    });
  });

  it('rejects a claim or namespace name the apiserver would not accept', () => {
    const { diagnostics } = parsePolicy(
      [
        'apiVersion: graphdata.io/v1alpha1',
        'kind: ClusterGraphDataPolicy',
        'metadata: {name: default}',
        'spec:',
        '  alluxio: {domainSocket: {persistentVolumeClaim: Alluxio_Socket}}',
        '  profiles:',
        '    p: {allowedNamespaces: [Tenant A], namespaceSelector: {matchExpressions: [{key: a, operator: Has}]}}',
      ].join('\n'),
    );
    const paths = diagnostics.map((d) => d.path);
    expect(paths).toContain('spec.alluxio.domainSocket.persistentVolumeClaim');
    expect(paths).toContain('spec.profiles.p.allowedNamespaces[0]');
    expect(paths).toContain('spec.profiles.p.namespaceSelector.matchExpressions[0].operator');
  });
});
