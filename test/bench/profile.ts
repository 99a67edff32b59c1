// `npm run bench:profile`: where /mutate's time goes, beside the floor's, from CPU profiles.
// Both servers are started as in `npm run bench` but with --cpu-prof, loaded alternately
// by autocannon with each body, and stopped; their profiles are attributed by category
// (cpu-profile.ts) and written into bench/results.json and BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attribute, type CpuProfile, type ProfileFigures } from './cpu-profile.js';
import { currentCommit, readResults, withProfile, writeReports, writeResults } from './results.js';
import { round, reviewBodies, startServers } from './webhook-load.js';
import { serverNode } from './node-releases.js';

const CONNECTIONS = 8;
// Every millisecond: still 10,000 samples or more per server and body, and fewer to process than at 100 µs.
const INTERVAL_US = 1_000;
const ROUNDS = 3;
const ROUND_SECONDS = 3;

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** utime + stime of a process (`/proc/PID/stat`) or of its main thread (`/proc/PID/task/PID/stat`), µs. */
function cpuUs(pid: number, mainThread: boolean): number {
  const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}

readResults(); // refuse a results file that cannot be merged with before the run, not after
const say = (line: string) => process.stderr.write(`${line}\n`);
const date = new Date().toISOString();
const cases: ProfileFigures['cases'] = [];
// The servers run on the image's Node release where it is at hand; the figures name it.
const server = serverNode();
for (const [body, text] of Object.entries(reviewBodies())) {
  const dir = mkdtempSync(join(tmpdir(), 'graphdata-profile-'));
  try {
    const servers = await startServers({
      node: server.path,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${INTERVAL_US}`],
    });
    const requests = { floor: 0, graphdata: 0 };
    const pids = servers.pids;
    const cpuNow = () => ({
      floor: { main: cpuUs(pids.floor, true), all: cpuUs(pids.floor, false) },
      graphdata: { main: cpuUs(pids.graphdata, true), all: cpuUs(pids.graphdata, false) },
    });
    const before = cpuNow();
    let after = before;
    try {
      // Warm-up rounds count: the profile covers them too.
      for (let i = 0; i <= ROUNDS; i++) {
        const seconds = i === 0 ? 1 : ROUND_SECONDS;
        requests.floor += (await round(servers.floorUrl, servers.ca, text, CONNECTIONS, seconds)).requests;
        requests.graphdata += (await round(servers.graphdataUrl, servers.ca, text, CONNECTIONS, seconds)).requests;
      }
      after = cpuNow();
    } finally {
      await servers.stop(); // each writes its profile as it exits
    }
    const profileOf = (pid: number): CpuProfile => {
      const file = readdirSync(dir).find((f) => f.includes(`.${pid}.`) && f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`process ${pid} wrote no profile into ${dir}`);
      return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    };
    const floor = attribute(profileOf(servers.pids.floor));
    const graphdata = attribute(profileOf(servers.pids.graphdata));
    const spent = (which: 'floor' | 'graphdata') => ({
      mainThreadCpuUs: after[which].main - before[which].main,
      processCpuUs: after[which].all - before[which].all,
    });
    cases.push({
      body,
      bodyBytes: Buffer.byteLength(text),
      floor: { requests: requests.floor, ...floor, ...spent('floor') },
      graphdata: { requests: requests.graphdata, ...graphdata, ...spent('graphdata') },
    });
    const perRequest = (which: 'floor' | 'graphdata') => (spent(which).mainThreadCpuUs / requests[which]).toFixed(1);
    say(
      `${body}: main-thread CPU per request, floor ${perRequest('floor')} µs, graphdata ${perRequest('graphdata')} µs`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const profile: ProfileFigures = {
  date,
  commit: currentCommit(),
  node: server.version,
  connections: CONNECTIONS,
  intervalUs: INTERVAL_US,
  seconds: 1 + ROUNDS * ROUND_SECONDS,
  cases,
};
const merged = withProfile(readResults(), profile);
writeResults(merged);
say(
  writeReports(merged)
    ? 'wrote bench/results.json and BENCHMARKS.md'
    : 'wrote bench/results.json; it holds no npm run bench results yet, so nothing was rendered',
);
