// Fluid mode in the webhook: /mutate and /validate read the same runtime lookup, and the
// AlluxioRuntime informer survives a cluster where Fluid is not installed.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import { watchFluidRuntimes } from '../../../webhook/fluid-index.js';
import { runtimeLookupFrom } from '../../../policies/fluid-runtime.js';
import { applyPodPatch } from '../../support/pod-patch.js';
import { staticPolicyStore } from '../../support/policy-store.js';
import { buildServer } from '../../../webhook/server.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { policyWith } from '../../fixtures/policy.js';
import { writeKubeconfig } from '../../support/kubeconfig.js';

const review = (object: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u1', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace: 'ns', object },
});
const pod = () => {
  const p = sparkExecutorPod();
  p.metadata = { ...p.metadata, annotations: { 'graphdata.io/dataset': 'sales' } };
  return p;
};

function servingPair() {
  const ca = createCA({ commonName: 'test-ca' });
  const leaf = issueCert({ ca, commonName: 'webhook', dnsNames: ['localhost'], usage: 'server' });
  return { cert: leaf.certPem, key: leaf.keyPem };
}

describe('the webhook in Fluid mode', () => {
  it('/mutate injects the runtime’s master; /validate accepts what it injected and denies a pod without it', async () => {
    const runtimes = runtimeLookupFrom([
      {
        metadata: { name: 'sales', namespace: 'ns' },
        spec: { master: { ports: { rpc: 20003 } } },
        status: { masterPhase: 'Ready' },
      },
    ]);
    const server = buildServer({
      tls: servingPair(),
      policies: staticPolicyStore(policyWith({ cache: 'fluid' })),
      runtimes,
      logger: false,
    });
    try {
      const mutated = await server.app.inject({ method: 'POST', url: '/mutate', payload: review(pod()) });
      const ops = JSON.parse(Buffer.from(mutated.json().response.patch, 'base64').toString('utf8'));
      expect(JSON.stringify(ops)).toContain(
        '-Dalluxio.master.hostname=sales-master-0.ns -Dalluxio.master.rpc.port=20003',
      );
      const injected = applyPodPatch(pod(), ops);
      const ok = await server.app.inject({ method: 'POST', url: '/validate', payload: review(injected) });
      expect(ok.json().response.allowed, ok.body).toBe(true);
      const bare = await server.app.inject({ method: 'POST', url: '/validate', payload: review(pod()) });
      expect(bare.json().response.allowed).toBe(false);
    } finally {
      await server.app.close();
    }
  });

  it('the informer keeps the webhook up when Fluid’s CRDs are not served: errors reported, lookups find nothing', async () => {
    const requests: string[] = [];
    const apiserver = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
    });
    await new Promise<void>((resolve) => apiserver.listen(0, '127.0.0.1', resolve));
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(writeKubeconfig({ fake: `http://127.0.0.1:${(apiserver.address() as AddressInfo).port}` }));
    const errors: unknown[] = [];
    const fluid = watchFluidRuntimes(kc, { onError: (e) => errors.push(e), retryMs: 50 });
    try {
      const deadline = Date.now() + 10_000;
      while (errors.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Both resources listed, failed, and were tried again.
      expect(errors.length).toBeGreaterThanOrEqual(4);
      expect(requests.some((u) => u.startsWith('/apis/data.fluid.io/v1alpha1/alluxioruntimes'))).toBe(true);
      expect(requests.some((u) => u.startsWith('/apis/data.fluid.io/v1alpha1/datasets'))).toBe(true);
      expect(fluid.lookup('ns', 'sales')).toBeUndefined();
    } finally {
      await fluid.stop();
      apiserver.close();
    }
  });
});
