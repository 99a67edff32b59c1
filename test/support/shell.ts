// A shell command run without blocking the test worker. A README walkthrough's commands
// (install with its self-test, on a busy machine) can take over a minute, and an e2e
// worker blocked that long misses vitest's 60 s reply to its task updates: every later
// file on that worker was then reported skipped.
import { execFile } from 'node:child_process';

export interface ShellRun {
  /** The exit code; null if it was killed (its timeout). */
  status: number | null;
  stdout: string;
  stderr: string;
}

export function shell(
  command: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<ShellRun> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      ['-c', command],
      { cwd: opts.cwd, env: opts.env, encoding: 'utf8', timeout: opts.timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        resolve({ status: error ? (typeof code === 'number' ? code : null) : 0, stdout, stderr });
      },
    );
  });
}
