// The peer users would pick instead of graphdata: a Go controller-runtime webhook
// (test/bench/peer/main.go) whose Defaulter makes the same injection into the same Kyuubi
// executor. Built from its Go module into the cache by test/bench/peer/build.sh.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/spawn-webhook.js';

/** Builds the peer if its cached binary is missing or stale; returns the binary's path. */
export function buildPeer(): string {
  const script = join(REPO_ROOT, 'test/bench/peer/build.sh');
  const built = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (built.status !== 0) throw new Error(`test/bench/peer/build.sh failed (exit ${built.status})`);
  const path = built.stdout.trim().split('\n').at(-1);
  if (!path) throw new Error('test/bench/peer/build.sh printed no binary path');
  return path;
}

const ticksPerSecond = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The process's own pids and its descendants' (graphdata's admission worker is a child process). */
function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue; // exited meanwhile
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${pids[i]}/task/${tid}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      } catch {}
    }
  }
  return pids;
}

/** User plus system CPU seconds of a process and its live descendants, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      // Fields after the command's closing parenthesis; utime and stime are the 14th and 15th.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / ticksPerSecond;
}

/** Resident memory of a process and its live descendants, in MiB, from /proc (Linux). */
export function treeRssMiB(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return kb / 1024;
}
