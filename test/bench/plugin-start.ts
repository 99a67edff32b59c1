// Start-up of `kubectl-graphdata inject -f pod.yaml` and `version --client` beside
// their floor, `node -e 0`, run alternately in the same loop so all three see the same
// machine noise, on this Node and on each release `npm run test:node` has fetched.
//
// Measured as a user meets it: run from a directory outside the checkout, with a cache
// directory of its own ($XDG_CACHE_HOME) after one run not counted, so a Node the build
// made no code cache for starts from the one its first run left there (bin/load-bundle.cjs).
// The ratio is the median of the rounds' own ratios (each round's command over the floor
// beside it), not the ratio of two medians: a round the machine slowed counts once.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { fetchedNodes } from './node-releases.js';
import { median } from './stats.js';

export interface PluginStartFigures {
  runs: number;
  floorMs: number;
  injectMs: number;
  versionMs: number;
  /** Median of per-round ratios; absent from results made before they were recorded. */
  injectRatio?: number;
  versionRatio?: number;
  /** The Node release that ran the three. */
  node?: string;
  /** The same on the other releases `npm run test:node` tests, where fetched. */
  otherNodes?: PluginStartFigures[];
}

function onNode(node: string, rounds: number): PluginStartFigures {
  const pod = join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'executor-pod.yaml');
  const plugin = join(REPO_ROOT, 'bin', 'kubectl-graphdata');
  const commands = {
    floor: ['-e', '0'],
    inject: [plugin, 'inject', '-f', pod],
    version: [plugin, 'version', '--client'],
  };
  const cwd = mkdtempSync(join(tmpdir(), 'graphdata-start-'));
  const env = { ...process.env, XDG_CACHE_HOME: cwd };
  const times: Record<keyof typeof commands, number[]> = { floor: [], inject: [], version: [] };
  try {
    for (let i = -1; i < rounds; i++) {
      for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
        const start = process.hrtime.bigint();
        const run = spawnSync(node, commands[name], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
        if (run.status !== 0) throw new Error(`${name} on ${node} failed: ${run.stderr}`);
        // Round -1 is the user's first run: not counted.
        if (i >= 0) times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const ratio = (name: 'inject' | 'version') => median(times[name].map((t, i) => t / times.floor[i]!));
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    runs: rounds,
    floorMs: median(times.floor),
    injectMs: median(times.inject),
    versionMs: median(times.version),
    injectRatio: ratio('inject'),
    versionRatio: ratio('version'),
    node: version,
  };
}

export function benchPluginStart(rounds: number): PluginStartFigures {
  const here = onNode(process.execPath, rounds);
  const others = fetchedNodes().map((node) => onNode(node, rounds));
  return { ...here, otherNodes: others };
}
