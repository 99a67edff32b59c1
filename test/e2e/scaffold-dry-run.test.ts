// Every scaffold is accepted by the real apiserver with the upstream CRDs installed:
// `kubectl graphdata scaffold … | kubectl apply --server-side --dry-run=server -f -`.
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { cluster, kubeConfig } from '../cluster/kube.js';
import { SCAFFOLDS } from '../fixtures/scaffolds.js';
import { kubectl } from '../support/kubectl.js';

// Policy scaffolds are dry-run against graphdata's own CRDs in policy-crds.test.ts.
const CLUSTER_KINDS = Object.entries(SCAFFOLDS).filter(([label]) => !label.startsWith('policy'));

beforeAll(async () => {
  const core = kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  const namespaces = new Set(CLUSTER_KINDS.map(([, args]) => args[args.indexOf('-n') + 1]!));
  for (const name of namespaces) {
    await core.createNamespace({ body: { metadata: { name } } }).catch((e: unknown) => {
      if (!(e instanceof k8s.ApiException && e.code === 409)) throw e;
    });
  }
});

describe.each(CLUSTER_KINDS)('scaffold %s', (_, args) => {
  it('passes server-side dry-run against the upstream CRDs', () => {
    const scaffold = kubectl(['graphdata', ...args]);
    expect(scaffold.code, scaffold.stderr).toBe(0);
    const apply = kubectl(
      ['apply', '--server-side', '--dry-run=server', '-f', '-', '--kubeconfig', cluster().kubeconfig],
      { input: scaffold.stdout },
    );
    expect(apply.stderr).toBe('');
    expect(apply.code).toBe(0);
    expect(apply.stdout).toMatch(/\(server dry run\)/);
  });
});

describe('applied for real', () => {
  const admin = () => ['--kubeconfig', cluster().kubeconfig];
  const apply = (yaml: string) => kubectl(['apply', '-f', '-', ...admin()], { input: yaml });

  it('re-applying the CN scaffold keeps the FE password set with the suggested kubectl create secret', () => {
    const scaffold = kubectl(['graphdata', ...SCAFFOLDS.cn!]);
    expect(scaffold.code, scaffold.stderr).toBe(0);
    expect(apply(scaffold.stdout).code).toBe(0);
    // The command the scaffold's notes suggest, as printed.
    const suggested = /kubectl (-n \S+ create secret generic \S+ --from-literal=FE_USR=\S+ --from-literal=FE_PWD=)\S*/
      .exec(scaffold.stdout)![1]!
      .split(' ');
    const created = kubectl([...suggested.slice(0, -1), `${suggested.at(-1)}s3cret`, ...admin()]);
    expect(created.code, created.stderr).toBe(0);
    const again = apply(scaffold.stdout);
    expect(again.code, again.stderr).toBe(0);
    const secret = kubectl(['-n', 'starrocks', 'get', 'secret', 'cn-pool-fe-account', '-o', 'json', ...admin()]);
    expect(Buffer.from(JSON.parse(secret.stdout).data.FE_PWD, 'base64').toString()).toBe('s3cret');
  });

  it('GraphScope: the coordinator account may exec into and delete engine pods, default may not', () => {
    const scaffold = kubectl(['graphdata', ...SCAFFOLDS.graphscope!]);
    expect(apply(scaffold.stdout).code).toBe(0);
    const can = (account: string, verb: string, resource: string) =>
      kubectl([
        'auth',
        'can-i',
        verb,
        resource,
        '-n',
        'graph',
        '--as',
        `system:serviceaccount:graph:${account}`,
        ...admin(),
      ]).stdout.trim();
    expect(can('gs-coordinator', 'create', 'pods/exec')).toBe('yes');
    expect(can('gs-coordinator', 'delete', 'statefulsets')).toBe('yes');
    expect(can('gs-coordinator', 'deletecollection', 'pods')).toBe('no');
    expect(can('gs-coordinator', 'get', 'secrets')).toBe('no');
    expect(can('default', 'create', 'pods/exec')).toBe('no');
    expect(can('default', 'delete', 'pods')).toBe('no');
    expect(can('default', 'list', 'pods')).toBe('no');
  });
});
