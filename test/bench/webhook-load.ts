// /mutate under load beside its floor (bare fastify HTTPS, same certificate) and, for the
// realistic review, beside the peer (a Go controller-runtime webhook, test/bench/peer/),
// each in its own process, driven by autocannon from this one. They alternate round by
// round so all see the same machine noise; only medians of rounds and ratios count.
import { memoryFor } from '../../common/memory-budget.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { parse } from 'yaml';
import { createCA, issueCert, localSans, splitSans } from '../../certs/pki.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { REPO_ROOT, WEBHOOK_MAIN, WEBHOOK_NODE_FLAGS } from '../support/spawn-webhook.js';
import { serverNode } from './node-releases.js';
import { admissionReview } from '../support/webhook-client.js';
import { cpuSeconds, treeRssMiB } from './peer.js';
import { median } from './stats.js';

export interface LoadFigures {
  p99Ms: number;
  rps: number;
  /** Absent from results made before they were recorded. */
  p50Ms?: number;
  /** CPU time (user + system, the process and its children) per answered request. */
  cpuUsPerRequest?: number;
}
export interface WebhookCase {
  body: 'realistic' | 'small';
  bodyBytes: number;
  connections: number;
  floor: LoadFigures;
  graphdata: LoadFigures;
  p99Ratio: number;
  rpsRatio: number;
  errors: number;
  /** Rounds per server and their length; absent from results made before they were recorded. */
  rounds?: number;
  seconds?: number;
  /** The controller-runtime peer, in the same rounds (realistic review only). */
  peer?: LoadFigures;
  /** graphdata served by SERVE_PROCESSES processes (node:cluster), in the same rounds (realistic review only). */
  processes?: LoadFigures;
  /** How many processes served `processes`. */
  serveProcesses?: number;
  /** Resident memory of each server (with its children) after this case's rounds. */
  rssMiB?: { graphdata: number; floor: number; peer?: number; processes?: number };
}

/** The two bodies: a real-size Kyuubi-submitted Spark executor and the small unit-test fixture. */
export function reviewBodies(): Record<WebhookCase['body'], string> {
  const kyuubi = parse(readFileSync(join(REPO_ROOT, 'test/fixtures/manifests/spark-executor-kyuubi.yaml'), 'utf8'));
  return {
    realistic: JSON.stringify(admissionReview(kyuubi)),
    small: JSON.stringify(admissionReview(sparkExecutorPod())),
  };
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });

async function waitReady(url: string, ca: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    const ok = await new Promise<boolean>((resolve) => {
      import('node:https').then(({ get }) =>
        get(url, { ca }, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        }).once('error', () => resolve(false)),
      );
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${url} never became ready`);
}

interface Servers {
  ca: string;
  floorUrl: string;
  graphdataUrl: string;
  /** Only when startServers was given the peer's binary. */
  peerUrl?: string;
  /** Only when startServers was asked for several serving processes. */
  processesUrl?: string;
  /** Resident memory of the graphdata process now, from /proc (Linux). */
  graphdataRssMiB(): number;
  pids: { floor: number; graphdata: number; peer?: number; processes?: number };
  stop(): Promise<void>;
}

const rssMiB = (pid: number): number => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
};

/**
 * Starts `npm start`'s entry point (built-in policy, logging on) and the floor, with one certificate,
 * on `node` (the image's release where fetched: node-releases.ts); `nodeArgs` go to both (the
 * profile run's --cpu-prof).
 */
export async function startServers(
  opts: { nodeArgs?: string[]; peer?: string; processes?: number; node?: string } = {},
): Promise<Servers> {
  const nodeArgs = opts.nodeArgs ?? [];
  const node = opts.node ?? serverNode().path;
  const dir = mkdtempSync(join(tmpdir(), 'graphdata-bench-'));
  const ca = createCA({ commonName: 'graphdata-bench-ca' });
  const leaf = issueCert({ ca, commonName: 'graphdata-webhook', ...splitSans(localSans), usage: 'server' });
  const files = { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem, 'tls.crt': leaf.certPem, 'tls.key': leaf.keyPem };
  for (const [name, pem] of Object.entries(files)) writeFileSync(join(dir, name), pem, { mode: 0o600 });

  const floor = spawn(
    node,
    [...nodeArgs, join(REPO_ROOT, 'dist/test/bench/floor-server.js'), join(dir, 'tls.crt'), join(dir, 'tls.key')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = (await once(floor.stdout!, 'data')) as [Buffer];
  const floorPort = Number(line.toString().trim());
  const port = await freePort();
  // Logs go to /dev/null but are still written: the per-admission line is part of the cost.
  const graphdata = spawn(
    node,
    [...WEBHOOK_NODE_FLAGS, ...nodeArgs, WEBHOOK_MAIN, '--port', String(port), '--cert-dir', dir, '--drain', '0s'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const urls = { floorUrl: `https://127.0.0.1:${floorPort}`, graphdataUrl: `https://127.0.0.1:${port}` };
  await waitReady(`${urls.graphdataUrl}/readyz`, ca.certPem, graphdata);
  const processesPort = opts.processes ? await freePort() : 0;
  const processes = opts.processes
    ? spawn(
        node,
        [
          ...WEBHOOK_NODE_FLAGS,
          WEBHOOK_MAIN,
          '--processes',
          String(opts.processes),
          // The least memory that gives each process the full plan, as `install --memory` would.
          '--memory-limit',
          String(memoryFor(opts.processes)),
          '--port',
          String(processesPort),
          '--cert-dir',
          dir,
          '--drain',
          '0s',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      )
    : undefined;
  const processesUrl = processes ? `https://127.0.0.1:${processesPort}` : undefined;
  if (processes && processesUrl) await waitReady(`${processesUrl}/readyz`, ca.certPem, processes);
  const peerPort = opts.peer ? await freePort() : 0;
  // Go's http server logs every handshake a round's end cuts short; keep that out of the terminal.
  const peerLog = join(dir, 'peer.log');
  const peer = opts.peer
    ? spawn(opts.peer, ['--port', String(peerPort), '--cert-dir', dir], {
        stdio: ['ignore', 'ignore', openSync(peerLog, 'w')],
      })
    : undefined;
  const peerUrl = peer ? `https://127.0.0.1:${peerPort}` : undefined;
  if (peer && peerUrl) {
    await waitReady(`${peerUrl}/readyz`, ca.certPem, peer).catch((error: Error) => {
      throw new Error(`${error.message}; the peer's log:\n${readFileSync(peerLog, 'utf8').slice(-2000)}`);
    });
  }
  return {
    ca: ca.certPem,
    ...urls,
    peerUrl,
    processesUrl,
    graphdataRssMiB: () => rssMiB(graphdata.pid!),
    pids: { floor: floor.pid!, graphdata: graphdata.pid!, peer: peer?.pid, processes: processes?.pid },
    async stop() {
      for (const child of [floor, graphdata, ...(peer ? [peer] : []), ...(processes ? [processes] : [])]) {
        child.kill('SIGTERM');
        if (child.exitCode === null) await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One autocannon run: for `seconds`, or for exactly `amount` requests; `pid`'s CPU is counted. */
export async function round(
  url: string,
  ca: string,
  body: string,
  connections: number,
  seconds: number,
  amount?: number,
  pid?: number,
) {
  const cpuBefore = pid ? cpuSeconds(pid) : 0;
  const result = await autocannon({
    url: `${url}/mutate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    tlsOptions: { ca },
  });
  const cpu = pid ? cpuSeconds(pid) - cpuBefore : 0;
  return {
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    rps: result.requests.average,
    cpuUsPerRequest: (cpu * 1e6) / Math.max(result.requests.total, 1),
    errors: result.errors + result.non2xx,
    requests: result.requests.total,
  };
}

/** How long to load at one connection count: `rounds` alternating rounds of `seconds` each per server. */
export interface LoadPlan {
  connections: number;
  rounds: number;
  seconds: number;
}

/**
 * How many processes serve graphdata in the comparison row: this machine's cores, as a pod
 * given that many CPUs would have. The load generator runs on the same cores (see
 * docs/benchmarks.md).
 */
const SERVE_PROCESSES = 2;

/**
 * Each body at each connection count of `plans`; the realistic one also on the peer at `peer`
 * and on graphdata served by SERVE_PROCESSES processes.
 */
export async function benchWebhookLoad(plans: LoadPlan[], peer: string, node: string) {
  const bodies = reviewBodies();
  const servers = await startServers({ peer, processes: SERVE_PROCESSES, node });
  const { pids } = servers;
  const cases: WebhookCase[] = [];
  let rssAfter10kMiB = 0;
  try {
    // Memory first, on a fresh process: 10,000 realistic reviews, then RSS.
    await round(servers.graphdataUrl, servers.ca, bodies.realistic, 8, 0, 10_000);
    rssAfter10kMiB = servers.graphdataRssMiB();
    for (const [name, body] of Object.entries(bodies) as [WebhookCase['body'], string][]) {
      for (const { connections, rounds, seconds } of plans) {
        const peerUrl = name === 'realistic' ? servers.peerUrl : undefined;
        const processesUrl = name === 'realistic' ? servers.processesUrl : undefined;
        // Warm each (JIT, TLS session setup) before anything is counted.
        await round(servers.floorUrl, servers.ca, body, connections, 1);
        await round(servers.graphdataUrl, servers.ca, body, connections, 1);
        if (peerUrl) await round(peerUrl, servers.ca, body, connections, 1);
        if (processesUrl) await round(processesUrl, servers.ca, body, connections, 1);
        const floor: LoadFigures[] = [];
        const ours: LoadFigures[] = [];
        const theirs: LoadFigures[] = [];
        const several: LoadFigures[] = [];
        let errors = 0;
        for (let i = 0; i < rounds; i++) {
          const f = await round(servers.floorUrl, servers.ca, body, connections, seconds, undefined, pids.floor);
          const g = await round(
            servers.graphdataUrl,
            servers.ca,
            body,
            connections,
            seconds,
            undefined,
            pids.graphdata,
          );
          floor.push(f);
          ours.push(g);
          errors += f.errors + g.errors;
          if (peerUrl) {
            const p = await round(peerUrl, servers.ca, body, connections, seconds, undefined, pids.peer);
            theirs.push(p);
            errors += p.errors;
          }
          if (processesUrl) {
            const s = await round(processesUrl, servers.ca, body, connections, seconds, undefined, pids.processes);
            several.push(s);
            errors += s.errors;
          }
        }
        const pick = (rows: LoadFigures[]): LoadFigures => ({
          p50Ms: median(rows.map((r) => r.p50Ms ?? 0)),
          p99Ms: median(rows.map((r) => r.p99Ms)),
          rps: median(rows.map((r) => r.rps)),
          cpuUsPerRequest: median(rows.map((r) => r.cpuUsPerRequest ?? 0)),
        });
        const f = pick(floor);
        const g = pick(ours);
        const rss = {
          graphdata: treeRssMiB(pids.graphdata),
          floor: treeRssMiB(pids.floor),
          ...(peerUrl && pids.peer ? { peer: treeRssMiB(pids.peer) } : {}),
          ...(processesUrl && pids.processes ? { processes: treeRssMiB(pids.processes) } : {}),
        };
        cases.push({
          body: name,
          bodyBytes: Buffer.byteLength(body),
          connections,
          floor: f,
          graphdata: g,
          // autocannon reports whole milliseconds: a floor under 1 ms counts as 1 ms.
          p99Ratio: g.p99Ms / Math.max(f.p99Ms, 1),
          rpsRatio: g.rps / f.rps,
          errors,
          rounds,
          seconds,
          ...(theirs.length ? { peer: pick(theirs) } : {}),
          ...(several.length ? { processes: pick(several), serveProcesses: SERVE_PROCESSES } : {}),
          rssMiB: rss,
        });
      }
    }
  } finally {
    await servers.stop();
  }
  return { cases, rssAfter10kMiB };
}
