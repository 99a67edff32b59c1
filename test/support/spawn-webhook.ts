// Runs the built webhook (`node dist/webhook/main.js`, what `npm start` runs) as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_HEAP_MB } from '../../common/memory-budget.js';
import { packageRoot } from '../../common/package-root.js';

/** The checkout, whether this runs from source (vitest) or from dist/ (benchmarks). */
export const REPO_ROOT = packageRoot();
export const WEBHOOK_MAIN = join(REPO_ROOT, 'dist', 'webhook', 'main.js');
/**
 * The V8 flags the image and `npm start` run the webhook with (Dockerfile ENTRYPOINT):
 * 4 MB semi-spaces instead of V8's 16 MB keep resident memory after 10,000 reviews near
 * 90 MiB instead of 116 (BENCHMARKS.md), at no measurable cost per request; the heap held to
 * what the memory plan counts on (common/memory-budget.ts MAIN_HEAP_MB).
 */
export const WEBHOOK_NODE_FLAGS = ['--max-semi-space-size=4', `--max-old-space-size=${MAIN_HEAP_MB}`];

export interface RunningWebhook {
  child: ChildProcess;
  url: string;
  ca: string;
  logs: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startWebhook(
  args: string[],
  timeoutMs = 30_000,
  nodeFlags: string[] = WEBHOOK_NODE_FLAGS,
): Promise<RunningWebhook> {
  const child = spawn(process.execPath, [...nodeFlags, WEBHOOK_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`webhook did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('graphdata webhook serving')) continue;
        const entry = JSON.parse(line) as { url: string; caFile?: string };
        clearTimeout(timer);
        resolve({
          child,
          url: entry.url,
          ca: entry.caFile ? readFileSync(entry.caFile, 'utf8') : '',
          logs: () => output,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`webhook exited with ${code} before serving:\n${output}`));
    });
  });
}

/**
 * The webhook as e2e files run it: any free port, fresh development certificates in a
 * temporary folder, no drain window; `extra` adds flags (`--policy`, `--kubeconfig`, …).
 */
export function startDevWebhook(extra: string[] = [], timeoutMs?: number): Promise<RunningWebhook> {
  const certs = join(mkdtempSync(join(tmpdir(), 'gd-webhook-')), 'certs');
  return startWebhook(['--port', '0', '--dev-cert-dir', certs, '--drain', '0s', ...extra], timeoutMs);
}
