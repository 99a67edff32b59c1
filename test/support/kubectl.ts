// The real kubectl, with this checkout's bin/ first on PATH so it finds kubectl-graphdata.
import { spawnSync } from 'node:child_process';
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
