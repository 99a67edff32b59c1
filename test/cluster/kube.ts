// Helpers for e2e tests talking to the control plane started by global-setup.ts.
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { Pod } from '../../policies/k8s.js';
import { policyCrds } from '../../policies/policy-crds.js';
import { kubectl } from '../support/kubectl.js';
import { loadKubeConfig, type ClusterInfo, type ClusterUser } from './cluster-info.js';

export type { ClusterInfo, ClusterUser };

/**
 * This worker's control plane. global-setup starts one per e2e worker, and vitest numbers
 * the workers that run at the same time 1..N (VITEST_POOL_ID), so no two files share one.
 */
export function cluster(): ClusterInfo {
  const clusters = inject('clusters');
  const worker = Number(process.env.VITEST_POOL_ID ?? '1');
  const info = clusters[(worker - 1) % clusters.length];
  if (!info) throw new Error('no control plane was provided: run e2e tests with `vitest --project e2e`');
  return info;
}

/** A KubeConfig whose current context is the admin (system:masters) or the tenant. */
export function kubeConfig(user: ClusterUser = 'admin'): k8s.KubeConfig {
  return loadKubeConfig(cluster(), user);
}

/**
 * GET a raw API path, e.g. to see the JSON exactly as the apiserver stores it
 * (client-node's typed models rename and drop fields they do not know).
 */
export async function rawGet(path: string, user: ClusterUser = 'admin'): Promise<{ status: number; body: string }> {
  const opts: https.RequestOptions = {};
  await kubeConfig(user).applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = https.get(new URL(path, cluster().server), opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const adminCore = () => kubeConfig('admin').makeApiClient(k8s.CoreV1Api);

/** Creates the namespace, or merges `labels` into an existing one (null removes a label). */
export async function ensureNamespace(name: string, labels: Record<string, string | null> = {}): Promise<void> {
  try {
    await adminCore().createNamespace({ body: { metadata: { name, labels: labels as Record<string, string> } } });
  } catch (error) {
    if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
    await adminCore().patchNamespace(
      { name, body: { metadata: { labels } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  }
}

/** Creates the pod as admin under a generated name (`<its name>-xxxxx`); `dryRun: 'All'` stores nothing. */
export async function createPod(namespace: string, pod: Pod, dryRun?: 'All'): Promise<Pod> {
  const body = structuredClone(pod) as k8s.V1Pod;
  body.metadata = { ...body.metadata, name: undefined, generateName: `${body.metadata?.name ?? 'pod'}-` };
  return (await adminCore().createNamespacedPod({ namespace, body, ...(dryRun ? { dryRun } : {}) })) as Pod;
}

/** Polls `check` every 250 ms (a throw counts as not yet) until it holds; fails saying what it waited for. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Applies graphdata's policy CRDs and waits until they are served. Every file that needs
 * them calls this: install.test.ts's `uninstall` deletes them, and files share one cluster.
 */
export function installPolicyCrds(): void {
  const kubeconfig = ['--kubeconfig', cluster().kubeconfig];
  const apply = kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-', ...kubeconfig], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: policyCrds() }),
  });
  if (apply.code !== 0) throw new Error(`applying the policy CRDs failed: ${apply.stderr}`);
  const crds = policyCrds().map((c) => `crd/${c.metadata.name}`);
  const wait = kubectl(['wait', '--for=condition=Established', '--timeout=30s', ...crds, ...kubeconfig]);
  if (wait.code !== 0) throw new Error(`the policy CRDs were not established: ${wait.stderr}`);
}
