// Runs `kubectl graphdata …` in-process with captured streams (fast), or as the real
// executable through a child process (what kubectl does).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../plugin/main.js';
import { REPO_ROOT } from './spawn-webhook.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(
  args: string[],
  opts: { stdin?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const saved = { ...process.env };
  Object.assign(process.env, opts.env ?? {});
  try {
    const code = await runCli(args, { stdin: Readable.from([opts.stdin ?? '']), stdout, stderr });
    return { code, stdout: out, stderr: err };
  } finally {
    process.env = saved;
  }
}

export const PLUGIN_BIN = join(REPO_ROOT, 'bin', 'kubectl-graphdata');

export function cliProcess(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const run = spawnSync(PLUGIN_BIN, args, {
    encoding: 'utf8',
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
  });
  return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}
