// Helpers for e2e tests talking to the control plane started by global-setup.ts.
import https from 'node:https';
import type * as k8s from '@kubernetes/client-node';
import { inject } from 'vitest';
import { loadKubeConfig, type ClusterInfo, type ClusterUser } from './cluster-info.js';

export type { ClusterInfo, ClusterUser };

/** The cluster provided by global-setup. */
export function cluster(): ClusterInfo {
  return inject('cluster');
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
