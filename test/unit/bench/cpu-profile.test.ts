// Attributing a CPU profile by category: the deepest matching frame decides, idle and
// start-up samples are left out, deep stacks do not recurse, and the rendered table
// divides by the requests answered.
import { describe, expect, it } from 'vitest';
import { attribute, type CpuProfile, OTHER, renderProfileTables, SERVER_CATEGORIES } from '../../bench/cpu-profile.js';

type Frame = [id: number, functionName: string, url: string, children?: number[]];
const profileOf = (frames: Frame[], samples: [id: number, us: number][]): CpuProfile => ({
  nodes: frames.map(([id, functionName, url, children]) => ({
    id,
    callFrame: { functionName, url, lineNumber: 0 },
    ...(children ? { children } : {}),
  })),
  samples: samples.map(([id]) => id),
  timeDeltas: samples.map(([, us]) => us),
});

const DIST = 'file:///repo/dist';
const NM = 'file:///repo/node_modules';

describe('attribute', () => {
  const profile = profileOf(
    [
      [1, '(root)', '', [2, 3, 4, 5, 20, 80, 90]],
      [2, '(idle)', ''],
      [3, '(garbage collector)', ''],
      [4, '(program)', ''],
      // start-up: a module evaluated under the ES module loader
      [5, 'run', 'node:internal/modules/esm/module_job', [6]],
      [6, '(anon)', `${DIST}/webhook/main.js`, [7]],
      [7, 'inject', `${DIST}/policies/engine.js`],
      // a request: fastify calls our route, which parses, injects, logs and writes
      [20, 'emit', 'node:events', [21]],
      [21, 'handler', `${NM}/fastify/lib/handle-request.js`, [22, 30, 40, 50, 60, 70]],
      [22, 'parseBody', `${DIST}/webhook/body.js`],
      [30, 'mutate', `${DIST}/webhook/mutation.js`, [31]],
      [31, 'inject', `${DIST}/policies/engine.js`, [32]],
      [32, 'apply', `${DIST}/policies/mutators/client-config.js`],
      [40, 'recordMutation', `${DIST}/webhook/mutation.js`, [41]],
      [41, 'LOG', `${NM}/pino/lib/tools.js`, [42]],
      [42, 'writeSync', 'node:fs'],
      [50, 'send', `${NM}/fastify/lib/reply.js`, [51]],
      [51, 'writevGeneric', 'node:internal/stream_base_commons', [52]],
      [52, 'writev', ''],
      [60, 'inc', `${NM}/prom-client/lib/counter.js`],
      [70, 'mutateHere', `${DIST}/webhook/routes.js`, [71]],
      [71, 'sendReviewText', `${DIST}/webhook/review.js`, [72]],
      [72, 'onSendEnd', `${NM}/fastify/lib/reply.js`],
      [80, 'onStreamRead', 'node:internal/stream_base_commons'],
      [90, 'processTicksAndRejections', 'node:internal/process/task_queues', [91]],
      [91, 'listOnTimeout', 'node:internal/timers'],
    ],
    [
      [2, 1000],
      [3, 7],
      [4, 3],
      [7, 500],
      [21, 11],
      [22, 13],
      [30, 17],
      [32, 19],
      [42, 23],
      [52, 29],
      [60, 31],
      [20, 37],
      [70, 41],
      [72, 43],
      [80, 47],
      [91, 53],
    ],
  );
  const { byCategory, busyUs } = attribute(profile);
  const name = (prefix: string) => SERVER_CATEGORIES.find((c) => c.name.startsWith(prefix))!.name;

  it('puts each sample in the deepest category on its stack', () => {
    expect(byCategory[name('GC')]).toBe(7);
    expect(byCategory[name('V8 and native')]).toBe(3);
    expect(byCategory[name('body: UTF-8')]).toBe(13);
    expect(byCategory[name('review')]).toBe(17);
    // JSON work in a mutator is the engine's, not the review's that called it.
    expect(byCategory[name('engine')]).toBe(19);
    // pino's write syscall is the log line's.
    expect(byCategory[name('log line')]).toBe(23);
    expect(byCategory[name('socket writes')]).toBe(29);
    expect(byCategory[name('metrics')]).toBe(31);
    // fastify under our route is fastify's; TLS reads are not writes.
    expect(byCategory[name('HTTP')]).toBe(11 + 37 + 43 + 47);
    expect(byCategory[name("the route's")]).toBe(41);
    expect(byCategory[OTHER]).toBe(53);
  });

  it('leaves out idle time and everything under module loading', () => {
    expect(busyUs).toBe(7 + 3 + 11 + 13 + 17 + 19 + 23 + 29 + 31 + 37 + 41 + 43 + 47 + 53);
    expect(Object.values(byCategory).reduce((a, b) => a + b, 0)).toBe(busyUs);
  });

  it('walks a stack 100,000 frames deep without recursion', () => {
    const frames: Frame[] = [[0, '(root)', '', [1]]];
    for (let i = 1; i < 100_000; i++) frames.push([i, `f${i}`, `${DIST}/webhook/server.js`, [i + 1]]);
    frames.push([100_000, 'inject', `${DIST}/policies/engine.js`]);
    const deep = attribute(profileOf(frames, [[100_000, 5]]));
    expect(deep.byCategory[name('engine')]).toBe(5);
  });
});

describe('renderProfileTables', () => {
  it('says how to produce the tables when there is no profile', () => {
    expect(renderProfileTables(undefined).join('\n')).toContain('npm run bench:profile');
  });

  it('divides by the requests each server answered and shows both servers', () => {
    // Sampled wall time stretched twice over by a busy machine: the table shows CPU.
    const server = (requests: number, engineUs: number) => ({
      requests,
      busyUs: 200 * requests,
      byCategory: { [name('engine')]: 2 * engineUs, [OTHER]: 200 * requests - 2 * engineUs },
      mainThreadCpuUs: 100 * requests,
      processCpuUs: 130 * requests,
    });
    const name = (prefix: string) => SERVER_CATEGORIES.find((c) => c.name.startsWith(prefix))!.name;
    const text = renderProfileTables({
      date: '2026-12-01T00:00:00Z',
      commit: 'abc1234',
      node: 'v20.20.2',
      connections: 8,
      intervalUs: 100,
      seconds: 10,
      cases: [{ body: 'realistic', bodyBytes: 8025, floor: server(1000, 0), graphdata: server(400, 12_000) }],
    }).join('\n');
    expect(text).toContain('| realistic review (8,025 B), per request | floor | graphdata |');
    expect(text).toContain(`| ${name('engine')} | 0.0 µs | 30.0 µs |`);
    expect(text).toContain('| **main thread CPU, all of it** | **100.0 µs** | **100.0 µs** |');
    expect(text).toContain('| whole process CPU, all threads | 130.0 µs | 130.0 µs |');
    expect(text).toContain('| requests profiled | 1,000 | 400 |');
  });
});
