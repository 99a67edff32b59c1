// Proves the e2e harness is a real control plane: the pinned apiserver version, the
// upstream CRDs installed intact, RBAC enforced, and Pods admitted without a controller-manager.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { cluster, kubeConfig, rawGet } from '../cluster/kube.js';
import { kubectl } from '../support/kubectl.js';

const UPSTREAM_CRDS = [
  'alluxioruntimes.data.fluid.io',
  'datasets.data.fluid.io',
  'sparkapplications.sparkoperator.k8s.io',
  'computenodegroups.starrocks.com',
  'starrocksclusters.starrocks.com',
];

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof k8s.ApiException) return err.code;
    throw err;
  }
}

describe('e2e control plane', () => {
  it('is the kube-apiserver version versions.json asks for, and kubectl of the same version', async () => {
    const version = await kubeConfig('admin').makeApiClient(k8s.VersionApi).getCode();
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
    expect(version.gitVersion).toBe(cluster().version);
    const client = kubectl(['version', '--client', '-o', 'json']);
    expect(client.code, client.stderr).toBe(0);
    expect(JSON.parse(client.stdout).clientVersion.gitVersion).toBe(cluster().version);
  });

  it('has every upstream CRD Established', async () => {
    const api = kubeConfig('admin').makeApiClient(k8s.ApiextensionsV1Api);
    for (const name of UPSTREAM_CRDS) {
      const crd = await api.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      expect(established?.status, name).toBe('True');
    }
  });

  it('stores CRD schemas intact (no x-kubernetes-* field lost on the way in)', async () => {
    // The SparkApplication schema uses both extensions; a lossy client would prune them.
    const source = await readFile(
      fileURLToPath(new URL('../upstream-crds/sparkoperator.k8s.io_sparkapplications.yaml', import.meta.url)),
      'utf8',
    );
    const { status: code, body } = await rawGet(
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sparkapplications.sparkoperator.k8s.io',
    );
    expect(code).toBe(200);
    for (const key of ['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string']) {
      const inSource = source.split(`${key}:`).length - 1;
      expect(inSource, key).toBeGreaterThan(0);
      expect(body.split(`"${key}":`).length - 1, key).toBe(inSource);
    }
  });

  it('enforces RBAC: the tenant may not list kube-system secrets, the admin may', async () => {
    const asTenant = kubeConfig('tenant').makeApiClient(k8s.CoreV1Api);
    const asAdmin = kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
    expect(await status(asTenant.listNamespacedSecret({ namespace: 'kube-system' }))).toBe(403);
    expect(await status(asAdmin.listNamespacedSecret({ namespace: 'kube-system' }))).toBe(200);
  });

  it('admits a plain Pod in a fresh namespace (no default ServiceAccount needed)', async () => {
    const core = kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
    // Left behind on purpose: without a controller-manager namespaces never finish
    // deleting, and the whole cluster is thrown away at teardown anyway.
    const namespace = `e2e-pod-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const pod = await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } },
    });
    expect(pod.metadata?.uid).toBeTruthy();
    expect(pod.spec?.serviceAccountName).toBeUndefined();
  });
});
