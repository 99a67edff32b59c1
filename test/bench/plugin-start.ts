// Start-up of `kubectl-graphdata inject -f pod.yaml` beside its floor, `node -e 0`,
// run alternately in the same loop so both see the same machine noise.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { fmtMs, median } from './stats.js';

export function benchPluginStart(rounds: number) {
  const pod = join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'executor-pod.yaml');
  const commands = {
    floor: [process.execPath, ['-e', '0']],
    inject: [process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-graphdata'), 'inject', '-f', pod]],
    version: [process.execPath, [join(REPO_ROOT, 'bin', 'kubectl-graphdata'), 'version', '--client']],
  } as const;
  const times: Record<keyof typeof commands, number[]> = { floor: [], inject: [], version: [] };
  for (let i = 0; i < rounds; i++) {
    for (const [name, [cmd, args]] of Object.entries(commands) as [
      keyof typeof commands,
      readonly [string, readonly string[]],
    ][]) {
      const start = process.hrtime.bigint();
      const run = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
      times[name].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  const floor = median(times.floor);
  return {
    floor: fmtMs(floor),
    inject: `${fmtMs(median(times.inject))} (${(median(times.inject) / floor).toFixed(2)}× node -e 0)`,
    version: `${fmtMs(median(times.version))} (${(median(times.version) / floor).toFixed(2)}× node -e 0)`,
    injectRatio: median(times.inject) / floor,
  };
}
