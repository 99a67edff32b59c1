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
