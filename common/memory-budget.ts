// The webhook's memory, planned from one number: its container's memory limit (the
// Deployment passes it through the downward API as GRAPHDATA_MEMORY_LIMIT), and how many
// serving processes share it (webhook/serving-processes.ts), from its CPU limit. Used by the
// webhook to plan and by `install` to check the limits it is given. Everything that grows
// with load gets a share of it: the main process's connections, the admission worker's heap,
// and the review bodies held in flight. A body that does not fit waits for room (large ones, fairly per
// user) or is answered at once without being read (see load-guard.ts), so the process
// and its worker stay under the limit whatever is sent.

const MiB = 1024 * 1024;

/**
 * The largest AdmissionReview read. The apiserver accepts client bodies up to 3 MiB, and
 * stores pods that size (an executor with 98,000 env entries was stored by the e2e control
 * plane). The review is JSON and carries the object with its managedFields and, on
 * UPDATE, the old object too. managedFields hold a key per list entry (`k:{"name":"E1"}`):
 * the issue measured them at 2.7 times an env-heavy pod, which makes 2 x (3 + 8) MiB at
 * worst, and 32 MiB leaves room above that (a unit test answers a 17 MiB UPDATE review).
 */
export const MAX_REVIEW_BYTES = 32 * MiB;

/** What the Deployment sets (plugin/webhook-objects/manifests.ts) and `npm start` assumes without a limit given. */
export const DEFAULT_MEMORY_LIMIT = 512 * MiB;
/** The same as `install` writes it, and the Deployment's CPU limit: one serving process. */
export const DEFAULT_MEMORY_QUANTITY = '512Mi';
export const DEFAULT_CPU_LIMIT = '1';

/**
 * The main process: code, TLS contexts, the informers' caches, metrics, the parse of one
 * small review at a time, and the garbage of the reviews it answers as fast as it can, with
 * its heap held to MAIN_HEAP_MB. Measured resident on Node 24 (the image's), realistic
 * reviews on a quiet machine: 112-120 MiB with 16 busy connections, 136-146 with 64 (Node
 * 20: 96 with 64). The growth is garbage awaiting collection, which follows throughput more
 * than connections.
 */
const MAIN_BASE = 160 * MiB;
/**
 * The main process's --max-old-space-size (the image's ENTRYPOINT and `npm start`; the start
 * log warns without it). Its live heap stays near 20 MB under load; uncapped, V8 let it grow
 * to 90 MB between full collections, with the connections' request objects (main process on
 * Node 24 with 256 busy connections: 187-221 MiB resident uncapped, 137-140 MiB capped).
 */
export const MAIN_HEAP_MB = 96;
/**
 * Each open connection with a review in flight, in the main process: its TLS state and
 * buffers, socket and request objects. Measured resident with the heap capped, Node 24: 144-158
 * MiB with 96 busy connections on a quiet machine; on a loaded one 128-141 at 128, 133-144 at
 * 192, 159 at 512, 174-190 at 1,000 (Node 20: 110 at 192). Counting each at 160 KiB on
 * MAIN_BASE holds every one of those.
 */
export const CONNECTION_BYTES = 160 * 1024;
/** The connection slots a plan gives: what the memory holds, in steps of 32, within these. */
const CONNECTION_STEP = 32;
const MAX_CONNECTIONS = 1024;
/** The worker process without its heap (Node itself, code): about 45 MiB resident. */
const WORKER_BASE = 48 * MiB;
/**
 * A body in the main process is counted three times: held twice at its peak (a small body's
 * chunks as they arrive and their concatenation for its parse), and once more for copies the
 * collector has not freed yet under load. A large body's chunks are written to the worker as
 * they are, never joined here, so it holds less than that: the same factor keeps room.
 */
export const HELD_FACTOR = 3;
/**
 * The worker's heap per review byte: the body as a string, and the parsed review (3.6 times
 * the JSON for an env-heavy pod with its managedFields, measured). A review that needs more
 * ends the worker alone (out of heap), and is answered as an internal error.
 */
const HEAP_FACTOR = 5;
/** Kept for small reviews (under the large-body threshold) whatever the large ones take. */
const SMALL_SHARE = 1 / 4;
/**
 * The bodies' share per byte of the largest review: HELD_FACTOR of large bodies, which are
 * 1 - SMALL_SHARE of it. With HEAP_FACTOR for the worker's heap, both bind at once.
 */
const BODY_FACTOR = HELD_FACTOR / (1 - SMALL_SHARE);

export interface MemoryPlan {
  /** The container's limit this plan divides. */
  limitBytes: number;
  /** --max-old-space-size of the admission worker. */
  workerHeapMb: number;
  /** Bytes of small bodies (times HELD_FACTOR) in flight at once. */
  smallBytes: number;
  /** Bytes of large bodies (times HELD_FACTOR) in flight at once. */
  largeBytes: number;
  /** The body limit: the largest review that fits the worker's heap and the large share. */
  maxBodyBytes: number;
  /** Open connections at most (connection-guard.ts), each counted CONNECTION_BYTES in the main process. */
  maxConnections: number;
}

export class MemoryLimitError extends Error {}

/**
 * The main process takes MAIN_BASE and CONNECTION_BYTES per connection slot. What it and the
 * worker's base leave goes 5:4 to the worker's heap and to bodies in flight (a quarter of
 * those kept for small reviews), so that both hold the same largest review. Without
 * `connections` (--max-connections), the most slots, up to 1,024, that still leave a 32 MiB
 * body limit, and at least 32. At the Deployment's 512 MiB: 96 connections (a 175 MiB main
 * process), a 160 MiB worker heap, 32 MiB of small and 96 MiB of large bodies (times three),
 * a 32 MiB body limit.
 */
export function memoryPlan(limitBytes: number, connections?: number): MemoryPlan {
  if (connections !== undefined) return planWith(limitBytes, connections, 'asked');
  for (let slots = MAX_CONNECTIONS; slots > CONNECTION_STEP; slots -= CONNECTION_STEP) {
    const plan = planWith(limitBytes, slots, 'unchecked');
    if (plan.maxBodyBytes >= MAX_REVIEW_BYTES) return plan;
  }
  return planWith(limitBytes, CONNECTION_STEP, 'fewest');
}

/** The main process's share: its base and its connection slots. */
export function mainProcessBytes(plan: Pick<MemoryPlan, 'maxConnections'>): number {
  return MAIN_BASE + plan.maxConnections * CONNECTION_BYTES;
}

/** `asked`: the connections were asked for (--max-connections), and the error names them. */
function planWith(limitBytes: number, maxConnections: number, check: 'asked' | 'fewest' | 'unchecked'): MemoryPlan {
  const rest = limitBytes - mainProcessBytes({ maxConnections }) - WORKER_BASE;
  const workerHeap = Math.floor((rest * HEAP_FACTOR) / (HEAP_FACTOR + BODY_FACTOR));
  const bodies = rest - workerHeap;
  const smallBytes = Math.floor(bodies * SMALL_SHARE);
  const largeBytes = bodies - smallBytes;
  const maxBodyBytes = Math.min(
    MAX_REVIEW_BYTES,
    Math.floor(workerHeap / HEAP_FACTOR),
    Math.floor(largeBytes / HELD_FACTOR),
  );
  // Below this the apiserver's own 3 MiB client bodies could not be answered.
  if (check !== 'unchecked' && maxBodyBytes < 3 * MiB)
    throw new MemoryLimitError(
      `a memory limit of ${Math.floor(limitBytes / MiB)} MiB${check === 'asked' ? ` with ${maxConnections} connections` : ''} leaves room for reviews of ${Math.max(0, maxBodyBytes / MiB).toFixed(1)} MiB only; give the webhook at least ${Math.ceil(minimumLimit(maxConnections) / MiB)} MiB`,
    );
  return {
    limitBytes,
    workerHeapMb: Math.floor(workerHeap / MiB),
    smallBytes,
    largeBytes,
    maxBodyBytes,
    maxConnections,
  };
}

/** The smallest limit with which a 3 MiB review fits: the heap share is the binding one. */
function minimumLimit(connections: number): number {
  return MAIN_BASE + connections * CONNECTION_BYTES + WORKER_BASE + 3 * MiB * (HEAP_FACTOR + BODY_FACTOR);
}

/**
 * The limit as the downward API writes it (`resourceFieldRef: limits.memory`, divisor 1:
 * bytes) or as a flag may give it (`512Mi`, `1Gi`, bytes). Without one: DEFAULT_MEMORY_LIMIT.
 */
export function parseMemoryLimit(text: string | undefined, from: string): number {
  if (text === undefined || text.trim() === '') return DEFAULT_MEMORY_LIMIT;
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(text.trim());
  if (!m)
    throw new MemoryLimitError(`${from} must be bytes or a quantity like 512Mi or 1Gi, got ${JSON.stringify(text)}`);
  const unit = m[2] === 'Ki' ? 1024 : m[2] === 'Mi' ? MiB : m[2] === 'Gi' ? 1024 * MiB : 1;
  return Number(m[1]) * unit;
}

// --- serving processes: one per whole CPU of the limit, as far as the memory holds them ---

/** A --processes or GRAPHDATA_CPU_LIMIT the webhook cannot start with. */
export class ServingProcessesError extends Error {}

/**
 * The primary's own memory: Node, node:cluster, its flags and the metrics it sums; it loads
 * none of the server (webhook/main.ts). Measured resident after 300 scrapes of /metrics with
 * 2 serving processes: 55 MiB on Node 20, 65 on 22, 70 on 24 (77, on Node 20, while it
 * loaded every webhook module). A test holds it under this.
 */
export const PRIMARY_RESERVE = 80 * MiB;

export interface ServingProcesses {
  count: number;
  /** Each serving process's plan, from its share of the limit. */
  memory: MemoryPlan;
  /** Why this count, for the start log. */
  reason: string;
}

/** The limit each of `count` serving processes plans with: the primary's reserve comes off first. */
function share(limitBytes: number, count: number): number {
  return count === 1 ? limitBytes : Math.floor((limitBytes - PRIMARY_RESERVE) / count);
}

/** Whether `count` processes each still answer the largest review (MAX_REVIEW_BYTES). */
function fits(limitBytes: number, count: number, connections?: number): boolean {
  try {
    return memoryPlan(share(limitBytes, count), connections).maxBodyBytes >= MAX_REVIEW_BYTES;
  } catch {
    return false;
  }
}

/** The smallest memory limit with which `count` processes each answer the largest review. */
export function memoryFor(count: number, connections?: number): number {
  let limit = 256 * MiB;
  while (!fits(limit, count, connections)) limit += 16 * MiB;
  return limit;
}

/**
 * GRAPHDATA_CPU_LIMIT in CPUs: the Deployment writes the container's limits.cpu there in
 * millicores (downward API, divisor 1m); undefined without one.
 */
export function parseCpuLimit(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  if (!/^\d+$/.test(text.trim()))
    throw new ServingProcessesError(
      `GRAPHDATA_CPU_LIMIT must be whole millicores (2000 for 2 CPUs), got ${JSON.stringify(text)}`,
    );
  return Number(text.trim()) / 1000;
}

/**
 * `--processes N` as asked (an error if the memory limit cannot hold them), or `auto`: one
 * per whole CPU of the limit, fewer if the memory limit does not hold that many, one
 * without a CPU limit.
 */
export function servingProcesses(
  flag: string,
  cpus: number | undefined,
  limitBytes: number,
  connections?: number,
): ServingProcesses {
  if (flag !== 'auto') {
    const count = Number(flag);
    if (!Number.isInteger(count) || count < 1 || count > 64)
      throw new ServingProcessesError(`--processes must be auto or a whole number from 1 to 64, got ${flag}`);
    if (count > 1 && !fits(limitBytes, count, connections))
      throw new ServingProcessesError(
        `${count} serving processes need a memory limit of at least ${Math.ceil(memoryFor(count, connections) / MiB)} MiB to each answer a ${MAX_REVIEW_BYTES / MiB} MiB review; raise the limit or lower --processes`,
      );
    return { count, memory: memoryPlan(share(limitBytes, count), connections), reason: '--processes' };
  }
  if (cpus === undefined)
    return { count: 1, memory: memoryPlan(limitBytes, connections), reason: 'no CPU limit given' };
  let count = Math.max(1, Math.floor(cpus));
  const byCpu = count;
  while (count > 1 && !fits(limitBytes, count, connections)) count--;
  const reason =
    count < byCpu
      ? `CPU limit ${cpus}, but the memory limit holds ${count} (${Math.ceil(memoryFor(byCpu, connections) / MiB)} MiB would hold ${byCpu})`
      : `CPU limit ${cpus}`;
  return { count, memory: memoryPlan(share(limitBytes, count), connections), reason };
}
