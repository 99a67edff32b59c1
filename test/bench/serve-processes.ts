// Bench only: the webhook served by N processes that share one listening socket
// (node:cluster; the primary accepts and hands connections round-robin), to measure whether
// a pod's further cores raise its throughput. The image runs one serving process; what
// adopting this would take is in docs/benchmarks.md.
// Usage: node dist/test/bench/serve-processes.js N [webhook flags…]
import cluster from 'node:cluster';
import { once } from 'node:events';
import { WEBHOOK_MAIN, WEBHOOK_NODE_FLAGS } from '../support/spawn-webhook.js';

const [count, ...args] = process.argv.slice(2);
const processes = Number(count);
if (!Number.isInteger(processes) || processes < 1) throw new Error('usage: serve-processes.js N [webhook flags…]');
cluster.setupPrimary({ exec: WEBHOOK_MAIN, args, execArgv: WEBHOOK_NODE_FLAGS });
const workers = Array.from({ length: processes }, () => cluster.fork());
process.once('SIGTERM', async () => {
  const live = workers.filter((worker) => !worker.isDead());
  for (const worker of live) worker.process.kill('SIGTERM');
  await Promise.all(live.map((worker) => once(worker, 'exit')));
  process.exit(0);
});
