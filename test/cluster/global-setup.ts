// Vitest globalSetup for the e2e project: builds the control-plane binaries if needed,
// starts etcd + kube-apiserver with the upstream CRDs installed, and provides
// `inject('cluster')` to tests. Teardown (and any abnormal exit) stops both processes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { ClusterInfo } from './cluster-info.js';
import { ControlPlane } from './control-plane.js';

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterInfo;
  }
}

const here = dirname(fileURLToPath(import.meta.url));
const versions = JSON.parse(readFileSync(join(here, 'versions.json'), 'utf8')) as {
  default: string;
  supported: string[];
};
/** GRAPHDATA_K8S_VERSION picks one of versions.json's supported versions (the matrix sets it). */
export const K8S_VERSION = process.env.GRAPHDATA_K8S_VERSION || versions.default;
if (!versions.supported.includes(K8S_VERSION)) {
  throw new Error(`GRAPHDATA_K8S_VERSION=${K8S_VERSION} is not one of ${versions.supported.join(', ')}`);
}
const repoRoot = resolve(here, '../..');
// Upstream CRDs, committed as test data with their provenance (see its README).
const crdDir = resolve(repoRoot, 'test', 'upstream-crds');

/** Same rule as build.sh: GRAPHDATA_K8S_BIN_DIR, else the per-user cache (shared by clones). */
export function binDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.GRAPHDATA_K8S_BIN_DIR || join(cache, 'graphdata', `k8s-${K8S_VERSION}`);
}

// kubectl is built with the control plane, so the tests drive the kubectl of the same
// version (kubectl supports one minor of skew; a machine's own may be older).
const binaries = ['etcd', 'kube-apiserver', 'rbac-aggregation', 'kubectl'];
const haveBinaries = (dir: string): boolean => binaries.every((name) => existsSync(join(dir, name)));

/** Runs build.sh with its output streamed to the terminal (a cold build takes minutes). */
function build(dir: string): Promise<void> {
  console.log(`[e2e] control-plane binaries missing in ${dir}; running test/cluster/build.sh`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(here, 'build.sh'), K8S_VERSION], {
      env: { ...process.env, GRAPHDATA_K8S_BIN_DIR: dir },
      // stdout carries only the result dir; keep the terminal for progress (stderr).
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`test/cluster/build.sh failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = binDir();
  if (!haveBinaries(dir)) await build(dir);
  // Test workers are forked after this and inherit PATH: they find the built kubectl first.
  process.env.PATH = `${dir}:${process.env.PATH}`;
  if (!existsSync(crdDir)) throw new Error(`upstream CRDs not found at ${crdDir}`);

  const started = Date.now();
  const cp = await ControlPlane.start({ binDir: dir, crdDir });
  console.log(
    `[e2e] control plane ready at ${cp.info.server} in ${((Date.now() - started) / 1000).toFixed(1)}s (${cp.info.tmpDir})`,
  );
  project.provide('cluster', { ...cp.info, version: K8S_VERSION });
  return () => cp.stop();
}
