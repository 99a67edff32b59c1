// Vitest globalSetup for the e2e project: builds the control-plane binaries if needed,
// starts etcd + kube-apiserver with the upstream CRDs installed, and provides
// `inject('cluster')` to tests. Teardown (and any abnormal exit) stops both processes.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

const K8S_VERSION = 'v1.32.4'; // keep in step with build.sh and go.mod
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
// Upstream CRDs, committed as test data with their provenance (see its README).
const crdDir = resolve(repoRoot, 'test', 'upstream-crds');

/** Same rule as build.sh: GRAPHDATA_K8S_BIN_DIR, else the per-user cache (shared by clones). */
function binDir(): string {
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return process.env.GRAPHDATA_K8S_BIN_DIR || join(cache, 'graphdata', `k8s-${K8S_VERSION}`);
}

/** A kubectl on PATH is used as is; without one, build.sh builds it next to the control plane. */
const kubectlOnPath = (): boolean => spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

function haveBinaries(dir: string): boolean {
  return (
    existsSync(join(dir, 'etcd')) &&
    existsSync(join(dir, 'kube-apiserver')) &&
    existsSync(join(dir, 'rbac-aggregation')) &&
    (kubectlOnPath() || existsSync(join(dir, 'kubectl')))
  );
}

/** Runs build.sh with its output streamed to the terminal (a cold build takes minutes). */
function build(dir: string): Promise<void> {
  console.log(`[e2e] control-plane binaries missing in ${dir}; running test/cluster/build.sh`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(here, 'build.sh')], {
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
  // Test workers are forked after this and inherit PATH: they find the built kubectl.
  if (!kubectlOnPath()) process.env.PATH = `${dir}:${process.env.PATH}`;
  if (!existsSync(crdDir)) throw new Error(`upstream CRDs not found at ${crdDir}`);

  const started = Date.now();
  const cp = await ControlPlane.start({ binDir: dir, crdDir });
  console.log(
    `[e2e] control plane ready at ${cp.info.server} in ${((Date.now() - started) / 1000).toFixed(1)}s (${cp.info.tmpDir})`,
  );
  project.provide('cluster', cp.info);
  return () => cp.stop();
}
