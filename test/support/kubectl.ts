// The real kubectl, with this checkout's bin/ first on PATH so it finds kubectl-graphdata.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { REPO_ROOT } from './spawn-webhook.js';

export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function kubectl(
  args: string[],
  opts: { kubeconfig?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): KubectlRun {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH}`,
    NO_COLOR: '1',
    ...opts.env,
  };
  if (opts.kubeconfig) env.KUBECONFIG = opts.kubeconfig;
  const run = spawnSync('kubectl', args, { encoding: 'utf8', env, input: opts.input ?? '', timeout: 60_000 });
  if (run.error) throw run.error;
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

const execFileAsync = promisify(execFile);

/**
 * `kubectl graphdata …` against a kubeconfig without blocking the test worker (install's
 * self-test can take tens of seconds, and a blocked worker misses vitest's own messages).
 */
export async function graphdataAsync(args: string[], kubeconfig: string): Promise<KubectlRun> {
  const env = { ...process.env, PATH: `${join(REPO_ROOT, 'bin')}:${process.env.PATH}`, NO_COLOR: '1' };
  try {
    const { stdout, stderr } = await execFileAsync('kubectl', ['graphdata', ...args, '--kubeconfig', kubeconfig], {
      env,
      encoding: 'utf8',
      timeout: 110_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
