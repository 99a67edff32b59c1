// Where a server's main thread spends its time, from a V8 CPU profile (`node --cpu-prof`).
// Each sample goes to the first category its stack meets from the leaf up, so the
// JSON.stringify an engine function calls counts as the engine, and pino's write syscall
// as the log line. Idle samples and module loading (start-up, not requests) are left out.

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
export interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  /** Microseconds since the previous sample. */
  timeDeltas: number[];
}

export interface Category {
  name: string;
  matches(frame: CallFrame): boolean;
}

const inFile = (suffix: string) => (f: CallFrame) => f.url.endsWith(suffix);
const inPackage = (...names: string[]) => {
  const parts = names.map((n) => `/node_modules/${n}/`);
  return (f: CallFrame) => parts.some((p) => f.url.includes(p));
};
const HTTP_STACK =
  /\/node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify\/[^/]+)\/|^node:(_http_|_tls_|net$|tls$|https$|events$|internal\/(streams|http|tls|js_stream|stream_base))/;
const SOCKET_WRITES = new Set([
  'writev',
  'writevGeneric',
  'writeGeneric',
  'writeBuffer',
  'writeUtf8String',
  'writeLatin1String',
  'handleWriteReq',
  'afterWriteDispatched',
]);

/** The review's own code: its envelope and reply text, and /mutate's answer around the engine. */
const REVIEW_FILES = ['/webhook/review.js', '/webhook/mutation.js', '/webhook/cluster-context.js'];

/**
 * The webhook's and the floor's time in the same terms. The floor parses its body with
 * fastify's JSON parser (secure-json-parse), ours with webhook/body.ts; neither runs the
 * other categories but the last three.
 */
export const SERVER_CATEGORIES: Category[] = [
  { name: 'GC (main thread)', matches: (f) => f.functionName === '(garbage collector)' },
  { name: 'V8 and native code not attributed to a function', matches: (f) => f.functionName === '(program)' },
  { name: 'body: UTF-8 and nesting checks, JSON.parse', matches: (f) => inFile('/webhook/body.js')(f) },
  { name: 'body: JSON.parse', matches: inPackage('secure-json-parse') },
  { name: 'engine: inject and its patch', matches: (f) => f.url.includes('/dist/policies/') },
  {
    name: 'log line (pino)',
    matches: (f) =>
      inPackage('pino', 'sonic-boom', 'pino-std-serializers')(f) ||
      /\/fastify\/lib\/logger-(factory|pino)\.js$/.test(f.url),
  },
  { name: 'metrics (prom-client)', matches: inPackage('prom-client') },
  {
    name: 'review: envelope, patch JSON and base64, reply text',
    matches: (f) => REVIEW_FILES.some((file) => inFile(file)(f)),
  },
  {
    name: 'socket writes (TLS encryption, syscalls)',
    matches: (f) => SOCKET_WRITES.has(f.functionName) && (f.url === '' || f.url.startsWith('node:')),
  },
  {
    name: "the route's own code (webhook/routes.js, server.js; the floor's handler)",
    matches: (f) =>
      inFile('/webhook/routes.js')(f) || inFile('/webhook/server.js')(f) || inFile('/test/bench/floor-server.js')(f),
  },
  // After the others: fastify calling our route, or our route calling reply.send, is not ours.
  { name: 'HTTP, TLS reads and fastify', matches: (f) => HTTP_STACK.test(f.url) },
];
export const OTHER = 'the rest (timers, other Node internals)';

/** Frames that only run while modules load: start-up, not serving. */
const startingUp = (f: CallFrame) => /^node:internal\/(modules|bootstrap|main)\//.test(f.url);

export interface Attribution {
  /** Microseconds of samples per category name (OTHER included), start-up and idle left out. */
  byCategory: Record<string, number>;
  /** Their sum. */
  busyUs: number;
}

/** Linear in the profile's nodes and samples. */
export function attribute(profile: CpuProfile, categories: Category[] = SERVER_CATEGORIES): Attribution {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Category of each node: its own frame's, else its parent's; null for idle and start-up.
  const memo = new Map<number, string | null>();
  const categoryOf = (id: number): string | null => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    // Walk up to the nearest node already known (iteratively: stacks can be deep).
    const path: number[] = [];
    let at: number | undefined = id;
    let found: string | null = OTHER;
    while (at !== undefined) {
      const cached = memo.get(at);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      path.push(at);
      at = parent.get(at);
    }
    // Resolve from the top down, so that a start-up ancestor marks everything under it.
    for (let i = path.length - 1; i >= 0; i--) {
      const frame = byId.get(path[i]!)!.callFrame;
      if (found !== null) {
        if (frame.functionName === '(idle)' || startingUp(frame)) found = null;
        else found = categories.find((c) => c.matches(frame))?.name ?? found;
      }
      memo.set(path[i]!, found);
    }
    return memo.get(id)!;
  };
  const byCategory: Record<string, number> = Object.fromEntries([...categories.map((c) => [c.name, 0]), [OTHER, 0]]);
  let busyUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const name = categoryOf(profile.samples[i]!);
    const us = profile.timeDeltas[i] ?? 0;
    if (name === null) continue;
    byCategory[name]! += us;
    busyUs += us;
  }
  return { byCategory, busyUs };
}

export interface ServerProfile {
  /** Requests answered while the profile ran, warm-up included. */
  requests: number;
  /** Sampled time of the main thread, idle and start-up left out, and its split by category. */
  busyUs: number;
  byCategory: Record<string, number>;
  /**
   * CPU time of the main thread and of the whole process over the same requests (/proc). The
   * samples are wall time, which a busy machine stretches when it runs something else; their
   * shares, scaled to this, give CPU per category.
   */
  mainThreadCpuUs: number;
  processCpuUs: number;
}

/** `npm run bench:profile`: both servers profiled under the same load, per body. */
export interface ProfileFigures {
  date: string;
  commit: string;
  node: string;
  connections: number;
  /** Sampling interval of --cpu-prof, µs. */
  intervalUs: number;
  /** Load per server and body, warm-up included, seconds. */
  seconds: number;
  cases: { body: string; bodyBytes: number; floor: ServerProfile; graphdata: ServerProfile }[];
}

const micros = (n: number): string => `${n.toFixed(1)} µs`;
/** A category's share of the sampled time, as main-thread CPU per request. */
const cpuPerRequest = (p: ServerProfile, sampledUs: number): string =>
  micros(((sampledUs / Math.max(p.busyUs, 1)) * p.mainThreadCpuUs) / p.requests);

/** One table per body: each category's main-thread CPU per request, the floor beside ours. */
export function renderProfileTables(p: ProfileFigures | undefined): string[] {
  if (!p) return ['Not run yet: `npm run bench:profile` profiles both servers and writes the tables here.', ''];
  const out = [
    `\`npm run bench:profile\` at commit ${p.commit}, ${p.date}, Node ${p.node}: each server run with \`--cpu-prof\``,
    `(sampling every ${p.intervalUs} µs) under autocannon at ${p.connections} connections for ${p.seconds} s per`,
    'body. Every sample of its main thread is put in the first category its stack meets from the leaf up',
    "(`test/bench/cpu-profile.ts`); each category's share of the samples (idle time and module loading",
    "left out) is scaled to the main thread's CPU time over the same requests (/proc) and divided by the",
    "requests it answered. GC and crypto work on V8's and libuv's other threads are only in the whole",
    "process's figure. Profiled figures read higher than the load test's and vary from run to run on",
    'this machine: read the two columns against each other.',
    '',
  ];
  for (const c of p.cases) {
    out.push(`| ${c.body} review (${c.bodyBytes.toLocaleString('en')} B), per request | floor | graphdata |`);
    out.push('| --- | --- | --- |');
    for (const name of Object.keys(c.graphdata.byCategory)) {
      const floorUs = c.floor.byCategory[name] ?? 0;
      const oursUs = c.graphdata.byCategory[name] ?? 0;
      out.push(`| ${name} | ${cpuPerRequest(c.floor, floorUs)} | ${cpuPerRequest(c.graphdata, oursUs)} |`);
    }
    const total = (s: ServerProfile, cpuUs: number) => micros(cpuUs / s.requests);
    out.push(
      `| **main thread CPU, all of it** | **${total(c.floor, c.floor.mainThreadCpuUs)}** | **${total(c.graphdata, c.graphdata.mainThreadCpuUs)}** |`,
      `| whole process CPU, all threads | ${total(c.floor, c.floor.processCpuUs)} | ${total(c.graphdata, c.graphdata.processCpuUs)} |`,
    );
    out.push(
      `| requests profiled | ${c.floor.requests.toLocaleString('en')} | ${c.graphdata.requests.toLocaleString('en')} |`,
    );
    out.push('');
  }
  return out;
}
