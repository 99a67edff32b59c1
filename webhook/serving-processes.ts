// More than one serving process in a pod: a pod given 2 CPUs served 1.4-1.8x the reviews
// per second from 2 processes at equal or lower p99 (docs/benchmarks.md). How many is
// planned with the memory, from the container's limits (common/memory-budget.ts).
//
// With one process nothing changes: no primary, the webhook serves as it always did. With
// more, the process started is a primary that serves nothing itself: node:cluster hands
// each new connection to a serving process, round-robin. Each serving process is a whole
// webhook (its own informers, certificates, admission worker and share of the memory
// limit); the primary forwards signals, replaces a process that dies, and sums the
// processes' metrics for /metrics (prom-client's AggregatorRegistry).
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** What a serving process tells the primary, and what it answers. */
type ToPrimary = { type: 'graphdata:serving' } | { type: 'graphdata:metrics'; id: number };
type FromPrimary = { type: 'graphdata:metrics'; id: number; text?: string; error?: string };

/** In a serving process: this process's index (0 for a webhook of one process). */
export function processIndex(): number {
  return cluster.isWorker ? Number(process.env.GRAPHDATA_PROCESS_INDEX ?? 0) : 0;
}

/** In a serving process under a primary: tells it this one serves. */
export function reportServing(): void {
  if (cluster.isWorker) process.send?.({ type: 'graphdata:serving' } satisfies ToPrimary);
}

let nextMetricsId = 1;
const pendingMetrics = new Map<number, (answer: FromPrimary) => void>();

/**
 * In a serving process under a primary: the metrics of every serving process, summed by the
 * primary; undefined in a webhook of one process. `registry` is this process's own, which
 * the primary asks for.
 */
export function clusterMetricsSource(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker) return undefined;
  AggregatorRegistry.setRegistries([registry]);
  // Its constructor makes this process answer the primary's requests for its metrics.
  new AggregatorRegistry();
  process.on('message', (message: FromPrimary) => {
    if (message?.type !== 'graphdata:metrics') return;
    pendingMetrics.get(message.id)?.(message);
    pendingMetrics.delete(message.id);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextMetricsId++;
      const timer = setTimeout(() => {
        pendingMetrics.delete(id);
        reject(new Error('the primary did not answer for the metrics within 5 s'));
      }, 5_000);
      pendingMetrics.set(id, (answer) => {
        clearTimeout(timer);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(answer.error ?? 'no metrics'));
      });
      process.send?.({ type: 'graphdata:metrics', id } satisfies ToPrimary);
    });
}

export interface PrimaryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * The primary: starts `count` serving processes (this same script, same arguments), and
 * until a signal, replaces one that exits. Resolves with the exit code: 0 after a signal
 * once all have exited; a process's own code if it exits before it ever served (a
 * start-up error: starting it again would fail the same way).
 */
export function runPrimary(count: number, shutdownMs: number, log: PrimaryLog): Promise<number> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let restarts = 0;
  const served = new WeakSet<Worker>();
  return new Promise((resolve) => {
    const start = (index: number) => {
      const worker = cluster.fork({ GRAPHDATA_PROCESS_INDEX: String(index) });
      worker.on('message', (message: ToPrimary) => {
        if (message?.type === 'graphdata:serving') served.add(worker);
        else if (message?.type === 'graphdata:metrics')
          aggregator.clusterMetrics().then(
            (text) => worker.send({ type: 'graphdata:metrics', id: message.id, text } satisfies FromPrimary),
            (error: Error) =>
              worker.send({ type: 'graphdata:metrics', id: message.id, error: error.message } satisfies FromPrimary),
          );
      });
      worker.on('exit', (code, signal) => {
        const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
        if (stopping) {
          if (alive.length === 0) resolve(0);
          return;
        }
        if (!served.has(worker)) {
          // It never served: the others fail the same way. Stop them and exit with its code.
          stopping = true;
          for (const other of alive) other?.process.kill('SIGKILL');
          resolve(code || 1);
          return;
        }
        // Back off when processes keep dying: 1 s, 2 s, ... 30 s.
        const delay = Math.min(30_000, 1_000 * 2 ** Math.min(restarts++, 5));
        log.warn(
          { index, pid: worker.process.pid, code, signal, restartInMs: delay },
          'a serving process exited; replacing it',
        );
        // Not unref'd: with every process gone, this timer is what keeps the primary running.
        setTimeout(() => {
          if (!stopping) start(index);
        }, delay);
      });
    };
    for (let index = 0; index < count; index++) start(index);
    // The kubelet signals the container's first process only: each serving process drains
    // on its own signal, as a webhook of one process does; a second signal ends it early.
    const forward = (signal: NodeJS.Signals) => {
      // Each process exits by its own bound; this one only if one of them cannot.
      if (!stopping) setTimeout(() => resolve(0), shutdownMs + 2_000).unref();
      stopping = true;
      log.info({ signal, processes: count }, 'passing the signal to the serving processes');
      const alive = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
      if (alive.length === 0) resolve(0);
      for (const worker of alive) worker?.process.kill(signal);
    };
    process.on('SIGTERM', () => forward('SIGTERM'));
    process.on('SIGINT', () => forward('SIGINT'));
  });
}
