// Offline commands on large inputs beside their floor: `inject`, `inject --diff` and
// `validate` over streams of realistic Spark executor pods (about 8 KB each), next to
// js-yaml parsing the same file in a process of its own. Every run is a fresh process,
// timed wall-clock with its peak resident memory (VmHWM, read from /proc while it runs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { executorPodsYaml } from '../fixtures/spark-executors.js';

export interface OfflineRun {
  seconds: number;
  peakRssMiB: number;
}

export interface OfflineSize {
  pods: number;
  megabytes: number;
  floor: OfflineRun;
  inject: OfflineRun;
  diff: OfflineRun;
  validate: OfflineRun;
}

export interface OfflineFigures {
  sizes: OfflineSize[];
}

const PLUGIN = join(REPO_ROOT, 'bin', 'kubectl-graphdata');
const FLOOR = `const y = require('js-yaml'); y.loadAll(require('node:fs').readFileSync(process.argv[1], 'utf8'));`;

/** Runs `node args…` to completion; wall time and peak RSS. Output is discarded. */
function measure(args: string[], ok: (code: number | null) => boolean): Promise<OfflineRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => {
      if (stderr.length < 4096) stderr += c;
    });
    let peakKiB = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
      } catch {
        // gone already, or no /proc: the figure stays what it was
      }
    }, 25);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (!ok(code)) reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds, peakRssMiB: peakKiB / 1024 });
    });
  });
}

export async function benchOffline(sizes: readonly number[], say: (line: string) => void): Promise<OfflineFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'gd-bench-offline-'));
  try {
    const out: OfflineSize[] = [];
    for (const pods of sizes) {
      const file = join(dir, `executors-${pods}.yaml`);
      writeFileSync(file, executorPodsYaml(pods));
      const megabytes = statSync(file).size / 1e6;
      say(`  ${pods} pods (${megabytes.toFixed(0)} MB): js-yaml floor, inject, inject --diff, validate…`);
      // Floor first and beside each command, so all see the same machine.
      const floor = await measure(['-e', FLOOR, file], (c) => c === 0);
      const inject = await measure([PLUGIN, 'inject', '-f', file], (c) => c === 0);
      const diff = await measure([PLUGIN, 'inject', '--diff', '-f', file], (c) => c === 0);
      // validate exits 1 when it finds errors; these pods have none, so anything else is a failure.
      const validate = await measure([PLUGIN, 'validate', '-f', file], (c) => c === 0);
      out.push({ pods, megabytes, floor, inject, diff, validate });
      rmSync(file);
    }
    return { sizes: out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/test/bench/offline.js [pods…]`: this section alone, as JSON.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const figures = await benchOffline(sizes.length ? sizes : [10_000, 20_000], (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
}
