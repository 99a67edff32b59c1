// Vitest globalSetup for the e2e project: builds the cluster binaries if needed, starts
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake Nodes) with
// the upstream CRDs installed, one such control plane per e2e worker, and provides them as
// `inject('clusters')` (tests call kube.ts's cluster()). Teardown (and any
// abnormal exit) stops every process.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packageRoot } from '../../common/package-root.js';
import type { ClusterInfo } from './cluster-info.js';
import { ControlPlane } from './control-plane.js';
import { e2eWorkers } from './e2e-workers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One control plane per e2e worker (e2e-workers.ts); kube.ts's cluster() picks the worker's. */
    clusters: ClusterInfo[];
  }
}

// From the repository, not this file's folder: `npm run cluster` runs this from dist/.
const repoRoot = packageRoot();
const here = join(repoRoot, 'test', 'cluster');
const versions = JSON.parse(readFileSync(join(here, 'versions.json'), 'utf8')) as {
  default: string;
  supported: string[];
};
/** GRAPHDATA_K8S_VERSION picks one of versions.json's supported versions (the matrix sets it). */
export const K8S_VERSION = process.env.GRAPHDATA_K8S_VERSION || versions.default;
if (!versions.supported.includes(K8S_VERSION)) {
  throw new Error(`GRAPHDATA_K8S_VERSION=${K8S_VERSION} is not one of ${versions.supported.join(', ')}`);
}
// Upstream CRDs, committed as test data with their provenance (see its README).
export const crdDir = resolve(repoRoot, 'test', 'upstream-crds');

const cacheDir = (): string => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'graphdata');

/** Same rule as build.sh: GRAPHDATA_K8S_BIN_DIR, else the per-user cache (shared by clones). */
function binDir(): string {
  return process.env.GRAPHDATA_K8S_BIN_DIR || join(cacheDir(), `k8s-${K8S_VERSION}`);
}

/** Same rule as build.sh: GRAPHDATA_KWOK_BIN_DIR, else kwok-<the version kwok/go.mod pins>. */
function kwokDir(): string {
  const pinned = /^\s*sigs\.k8s\.io\/kwok (v\S+)/m.exec(readFileSync(join(here, 'kwok', 'go.mod'), 'utf8'))?.[1];
  if (!pinned) throw new Error('test/cluster/kwok/go.mod does not require sigs.k8s.io/kwok');
  return process.env.GRAPHDATA_KWOK_BIN_DIR || join(cacheDir(), `kwok-${pinned}`);
}

// kubectl is built with the control plane, so the tests drive the kubectl of the same
// version (kubectl supports one minor of skew; a machine's own may be older).
const binaries = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];
const haveBinaries = (dir: string, kwok: string): boolean =>
  binaries.every((name) => existsSync(join(dir, name))) &&
  existsSync(join(kwok, 'kwok')) &&
  existsSync(join(kwok, 'stages.yaml'));

/**
 * Runs a build script of the checkout with its progress (stderr) streamed to the terminal; its
 * stdout carries only the result's path. A cold build takes minutes.
 */
function runBuild(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(repoRoot, script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`${script} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function build(dir: string, kwok: string): Promise<void> {
  console.log(`[e2e] cluster binaries missing in ${dir} or ${kwok}; running test/cluster/build.sh`);
  return runBuild('test/cluster/build.sh', [K8S_VERSION], { GRAPHDATA_K8S_BIN_DIR: dir, GRAPHDATA_KWOK_BIN_DIR: kwok });
}

/**
 * The `cue` command the KubeVela tests evaluate templates with (test/support/cue.ts), built
 * here when missing (build-cue.sh returns at once when it is there). Built in a test file, it
 * blocked that worker for about 3 minutes on a fresh machine, past vitest's 60 s reply to its
 * task updates, and the worker's later files were reported skipped.
 */
const buildCue = (): Promise<void> => runBuild('test/vela/build-cue.sh');

/** The folders of this version's binaries and kwok's, built first when one is missing (also `npm run cluster`). */
export async function ensureBinaries(): Promise<{ binDir: string; kwokDir: string }> {
  const dir = binDir();
  const kwok = kwokDir();
  if (!haveBinaries(dir, kwok)) await build(dir, kwok);
  return { binDir: dir, kwokDir: kwok };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [{ binDir: dir, kwokDir: kwok }] = await Promise.all([ensureBinaries(), buildCue()]);
  // Test workers are forked after this and inherit PATH: they find the built kubectl first.
  process.env.PATH = `${dir}:${process.env.PATH}`;
  if (!existsSync(crdDir)) throw new Error(`upstream CRDs not found at ${crdDir}`);

  const started = Date.now();
  const count = e2eWorkers();
  const starts = await Promise.allSettled(
    Array.from({ length: count }, () => ControlPlane.start({ binDir: dir, kwokDir: kwok, crdDir })),
  );
  const planes = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  const stopAll = async () => {
    await Promise.all(planes.map((cp) => cp.stop()));
  };
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  for (const cp of planes) {
    const { apiserver, controllersAndNodes } = cp.startupMs;
    console.log(
      `[e2e] cluster ready at ${cp.info.server} in ${((Date.now() - started) / 1000).toFixed(1)}s ` +
        `(apiserver ${(apiserver / 1000).toFixed(1)}s, then controllers, scheduler and kwok nodes ` +
        `${(controllersAndNodes / 1000).toFixed(1)}s; ${cp.info.tmpDir})`,
    );
  }
  project.provide(
    'clusters',
    planes.map((cp) => ({ ...cp.info, version: K8S_VERSION })),
  );
  return stopAll;
}
