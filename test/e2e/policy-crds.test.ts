// graphdata's own policy CRDs, generated from the policy schema, are accepted by the
// real apiserver, and scaffolded policies pass a server-side dry-run against them.
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cluster, installPolicyCrds, kubeConfig } from '../cluster/kube.js';
import { SCAFFOLDS } from '../fixtures/scaffolds.js';
import { kubectl } from '../support/kubectl.js';

const kubeconfigFlag = () => ['--kubeconfig', cluster().kubeconfig];

beforeAll(async () => {
  installPolicyCrds();
  await kubeConfig('admin')
    .makeApiClient(k8s.CoreV1Api)
    .createNamespace({ body: { metadata: { name: 'team-a' } } })
    .catch(() => undefined);
});

describe('policy CRDs', () => {
  it.each(Object.entries(SCAFFOLDS).filter(([label]) => label.startsWith('policy')))(
    'scaffold %s passes server-side dry-run',
    (_, args) => {
      const scaffold = kubectl(['graphdata', ...args]);
      expect(scaffold.code, scaffold.stderr).toBe(0);
      const apply = kubectl(['apply', '--server-side', '--dry-run=server', '-f', '-', ...kubeconfigFlag()], {
        input: scaffold.stdout,
      });
      expect(apply.stderr).toBe('');
      expect(apply.code).toBe(0);
    },
  );

  it('fills the schema defaults on the server, as the policy loader does offline', () => {
    const minimal = {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: 'minimal' },
      spec: { alluxio: { master: { hostname: 'my-master' } } },
    };
    const run = kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-', ...kubeconfigFlag()], {
      input: JSON.stringify(minimal),
    });
    expect(run.code, run.stderr).toBe(0);
    const spec = JSON.parse(run.stdout).spec;
    expect(spec.alluxio.master).toEqual({ hostname: 'my-master', rpcPort: 19998 });
    expect(spec.alluxio.domainSocket).toEqual({ hostPath: '/tmp/alluxio-domain', mountPath: '/opt/domain' });
    expect(spec.placement).toEqual({ mode: 'nodeSelector', nodeLabels: { alluxio: 'true' }, weight: 50 });
  });

  it('a GraphDataPolicy gets no defaults on the server: what it leaves out is inherited', () => {
    const minimal = {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { name: 'minimal', namespace: 'default' },
      spec: { limits: { maxExecutorCores: 2 } },
    };
    const run = kubectl(['create', '--dry-run=server', '-o', 'json', '-f', '-', ...kubeconfigFlag()], {
      input: JSON.stringify(minimal),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).spec).toEqual({ limits: { maxExecutorCores: 2 } });
  });

  it('rejects what the policy loader rejects', () => {
    const bad = {
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: 'bad' },
      spec: { placement: { mode: 'sometimes' } },
    };
    const run = kubectl(['create', '--dry-run=server', '-f', '-', ...kubeconfigFlag()], { input: JSON.stringify(bad) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('spec.placement.mode');
  });
});
