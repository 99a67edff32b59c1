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
  return withEnv(opts.env ?? {}, async () => {
    const code = await runCli(args, { stdin: Readable.from([opts.stdin ?? '']), stdout, stderr });
    return { code, stdout: out, stderr: err };
  });
}

/**
 * Runs `fn` with `env` laid over process.env (undefined unsets a variable), then puts
 * back exactly the variables it touched. process.env itself is kept: it is a special
 * object (values become strings), and code may hold a reference to it.
 */
export async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.keys(env).map((key) => [key, process.env[key]] as const);
  const set = (key: string, value: string | undefined) => {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  };
  for (const [key, value] of Object.entries(env)) set(key, value);
  try {
    return await fn();
  } finally {
    for (const [key, value] of saved) set(key, value);
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
