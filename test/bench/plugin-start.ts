// Start-up of `kubectl-graphdata inject -f pod.yaml` and `version --client` beside
// their floor, `node -e 0`, run alternately in the same loop so all three see the same
// machine noise.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { median } from './stats.js';

export interface PluginStartFigures {
  runs: number;
  floorMs: number;
  injectMs: number;
  versionMs: number;
}

export function benchPluginStart(rounds: number): PluginStartFigures {
  const pod = join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'executor-pod.yaml');
  const plugin = join(REPO_ROOT, 'bin', 'kubectl-graphdata');
  const commands = {
    floor: ['-e', '0'],
    inject: [plugin, 'inject', '-f', pod],
    version: [plugin, 'version', '--client'],
  };
  const times: Record<keyof typeof commands, number[]> = { floor: [], inject: [], version: [] };
  for (let i = 0; i < rounds; i++) {
    for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
      const start = process.hrtime.bigint();
      const run = spawnSync(process.execPath, commands[name], { stdio: ['ignore', 'ignore', 'pipe'] });
      if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
      times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  return {
    runs: rounds,
    floorMs: median(times.floor),
    injectMs: median(times.inject),
    versionMs: median(times.version),
  };
}
