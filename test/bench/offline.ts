// Offline commands on large inputs beside their floor: `inject` and `validate` (and at the
// smallest size `inject --diff`, which has no target of its own) over streams of realistic
// Spark executor pods (about 8 KB each), next to js-yaml parsing the same file in a process
// of its own. Every run is a fresh process: wall-clock time, and from the process itself
// (process.resourceUsage() at exit, through a preloaded script) its CPU time and peak
// resident memory. The floor runs just before `inject` and just after `validate`, and both
// are compared with the mean of the two, so a slow drift of the machine lands on both sides.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { executorPodsYaml } from '../fixtures/spark-executors.js';

export interface OfflineRun {
  seconds: number;
  /** User + system CPU time of the process. */
  cpuSeconds: number;
  peakRssMiB: number;
}

export interface OfflineSize {
  pods: number;
  megabytes: number;
  /** Median of the floor runs made beside the commands. */
  floor: OfflineRun;
  /** How many floor runs; absent from results made with three. */
  floorRuns?: number;
  inject: OfflineRun;
  /** At the smallest size only (older results have it at every size). */
  diff?: OfflineRun;
  validate: OfflineRun;
}

export interface OfflineFigures {
  sizes: OfflineSize[];
}

const PLUGIN = join(REPO_ROOT, 'bin', 'kubectl-graphdata');
const FLOOR = `const y = require('js-yaml'); y.loadAll(require('node:fs').readFileSync(process.argv[1], 'utf8'));`;
// Preloaded into every measured process: its own CPU time and peak RSS (kernel ru_maxrss), on fd 3.
const REPORT = `process.on('exit', () => {
  const u = process.resourceUsage();
  require('node:fs').writeSync(3, JSON.stringify({ cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssKiB: u.maxRSS }));
});`;

/** Runs `node args…` to completion (output discarded); wall time, CPU time and peak RSS. */
function measure(report: string, args: string[], ok: (code: number | null) => boolean): Promise<OfflineRun> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', report, ...args], {
      cwd: REPO_ROOT,
      // --require makes another runtime for the plugin's code cache (bin/load-bundle.cjs):
      // its cache goes to this run's directory, not the user's, and goes with it.
      env: { ...process.env, XDG_CACHE_HOME: dirname(report) },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let usage = '';
    child.stderr?.on('data', (c) => {
      if (stderr.length < 4096) stderr += c;
    });
    child.stdio[3]?.on('data', (c) => {
      usage += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (!ok(code)) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
      try {
        const u = JSON.parse(usage) as { cpu: number; maxRssKiB: number };
        resolve({ seconds, cpuSeconds: u.cpu, peakRssMiB: u.maxRssKiB / 1024 });
      } catch {
        reject(new Error(`node ${args.join(' ')} did not report its resource usage: ${stderr}`));
      }
    });
  });
}

/** Each figure's median over the runs. */
function median(runs: readonly OfflineRun[]): OfflineRun {
  const mid = (key: keyof OfflineRun): number => {
    const xs = runs.map((r) => r[key]).sort((a, b) => a - b);
    const h = xs.length >> 1;
    return xs.length % 2 ? xs[h]! : (xs[h - 1]! + xs[h]!) / 2;
  };
  return { seconds: mid('seconds'), cpuSeconds: mid('cpuSeconds'), peakRssMiB: mid('peakRssMiB') };
}

export async function benchOffline(sizes: readonly number[], say: (line: string) => void): Promise<OfflineFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'gd-bench-offline-'));
  try {
    const report = join(dir, 'report-usage.cjs');
    writeFileSync(report, REPORT);
    const out: OfflineSize[] = [];
    for (const pods of sizes) {
      const file = join(dir, `executors-${pods}.yaml`);
      writeFileSync(file, executorPodsYaml(pods));
      const megabytes = statSync(file).size / 1e6;
      const withDiff = pods === Math.min(...sizes);
      const order = `js-yaml floor, inject, validate, floor${withDiff ? ', inject --diff' : ''}`;
      say(`  ${pods} pods (${megabytes.toFixed(0)} MB): ${order}…`);
      const floors: OfflineRun[] = [];
      const floor = async () => {
        floors.push(await measure(report, ['-e', FLOOR, file], (c) => c === 0));
      };
      await floor();
      const inject = await measure(report, [PLUGIN, 'inject', '-f', file], (c) => c === 0);
      // validate exits 1 when it finds errors; these pods have none, so anything else is a failure.
      const validate = await measure(report, [PLUGIN, 'validate', '-f', file], (c) => c === 0);
      await floor();
      const diff = withDiff
        ? // Exit 1 is `kubectl diff`'s "there are differences", which every executor here has.
          await measure(report, [PLUGIN, 'inject', '--diff', '-f', file], (c) => c === 1)
        : undefined;
      out.push({ pods, megabytes, floor: median(floors), floorRuns: floors.length, inject, diff, validate });
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
