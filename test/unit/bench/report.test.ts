// The benchmark report: the soak's row says what was measured and never judges a run that
// did not reach 1,000,000 requests; the run's own duration is shown; and bench/results.json
// keeps the main run's and the soak's figures when either command writes it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BenchResults,
  peerShortfalls,
  renderBenchmarks,
  renderSummaryTable,
  type SoakFigures,
} from '../../bench/report.js';
import {
  hasMainRun,
  readResults,
  withMainRun,
  withProfile,
  withSoak,
  writeReports,
  writeResults,
} from '../../bench/results.js';
import { imageNodeMajor } from '../../bench/node-releases.js';
import { REPO_ROOT } from '../../support/spawn-webhook.js';

const run = (size: number) => ({ seconds: size / 1000, cpuSeconds: size / 900, peakRssMiB: size / 40 });

function mainRun(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    date: '2026-11-30T20:32:13.396Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 24 },
    node: 'v20.20.2',
    commit: 'aaaaaaa',
    quick: false,
    webhook: [
      {
        body: 'realistic',
        bodyBytes: 8025,
        connections: 64,
        floor: { p99Ms: 31, rps: 6375 },
        graphdata: { p99Ms: 36, rps: 5500 },
        p99Ratio: 36 / 31,
        rpsRatio: 5500 / 6375,
        errors: 0,
        rounds: 3,
        seconds: 5,
      },
    ],
    webhookRssAfter10kMiB: 89.7,
    plugin: { runs: 11, floorMs: 127.7, injectMs: 150, versionMs: 140 },
    offline: {
      sizes: [
        {
          pods: 10_000,
          megabytes: 79.8,
          floor: run(6000),
          floorRuns: 2,
          inject: run(9000),
          diff: run(14000),
          validate: run(8000),
        },
        { pods: 20_000, megabytes: 159.6, floor: run(11000), floorRuns: 2, inject: run(17000), validate: run(16000) },
      ],
    },
    durations: {
      phases: [
        { name: 'build', seconds: 19.6 },
        { name: 'webhook load', seconds: 121.4 },
        { name: 'offline', seconds: 104.2 },
      ],
      totalSeconds: 245.2,
    },
    ...overrides,
  };
}

function soak(overrides: Partial<SoakFigures> = {}): SoakFigures {
  return {
    date: '2026-12-01T00:05:00.000Z',
    commit: 'bbbbbbb',
    node: 'v20.20.2',
    requests: 1_000_000,
    errors: 0,
    rssAfter10kMiB: 90,
    rssAfterMiB: 91.8,
    growthPercent: 2,
    samples: [
      { requests: 10_000, rssMiB: 90 },
      { requests: 1_000_000, rssMiB: 91.8 },
    ],
    seconds: 612,
    ...overrides,
  };
}

/** The table row about memory growth, split into its cells. */
function soakRow(results: BenchResults): string[] {
  const row = renderSummaryTable(results)
    .split('\n')
    .find((line) => line.startsWith('| webhook resident memory growth'));
  if (!row) throw new Error('no memory-growth row');
  return row
    .split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

describe('the memory-growth row', () => {
  it('says the soak was not run, with no figure and no verdict, when there is none', () => {
    const [what, ours, floor, ratio, target] = soakRow(mainRun());
    expect(what).toBe('webhook resident memory growth over 1,000,000 requests');
    expect(ours).toBe('not run (`npm run bench:soak`)');
    expect([floor, ratio]).toEqual(['—', '—']);
    expect(target).toBe('< 5% (not run)');
    expect(renderBenchmarks(mainRun())).toContain('- Soak: not run;');
  });

  it('gives a partial soak its real request count and does not judge it', () => {
    const partial = soak({ requests: 50_000, rssAfterMiB: 90.9, growthPercent: 1, samples: [] });
    const [what, ours, floor, ratio, target] = soakRow(mainRun({ soak: partial }));
    expect(what).toBe('webhook resident memory growth over 1,000,000 requests, soak at commit bbbbbbb (2026-12-01)');
    expect(ours).toBe('90.9 MiB after 50,000 requests, 0 errors');
    expect(floor).toBe('90.0 MiB after 10,000');
    expect(ratio).toBe('+1.00%');
    expect(target).toBe('< 5% (not judged: 50,000 requests)');
  });

  it('meets the target for a complete soak that grew under 5% without errors', () => {
    const [what, ours, floor, ratio, target] = soakRow(mainRun({ soak: soak() }));
    expect(what).toBe('webhook resident memory growth over 1,000,000 requests, soak at commit bbbbbbb (2026-12-01)');
    expect(renderSummaryTable(mainRun({ soak: soak() }))).toContain(
      'commit aaaaaaa, 2026-11-30, `npm run bench` took 4 min 5 s; the soak row is a separate run (`npm run bench:soak`) at another commit._',
    );
    expect(ours).toBe('91.8 MiB after 1,000,000 requests, 0 errors');
    expect(floor).toBe('90.0 MiB after 10,000');
    expect(ratio).toBe('+2.00%');
    expect(target).toBe('< 5%');
  });

  it('misses the target for a complete soak that grew 5% or more, or had errors', () => {
    expect(soakRow(mainRun({ soak: soak({ rssAfterMiB: 96.3, growthPercent: 7 }) }))[4]).toBe('< 5% (missed)');
    expect(soakRow(mainRun({ soak: soak({ rssAfterMiB: 94.5, growthPercent: 5 }) }))[4]).toBe('< 5% (missed)');
    expect(soakRow(mainRun({ soak: soak({ errors: 3 }) }))[4]).toBe('< 5% (missed)');
  });

  it('says when the soak ran at the same commit as the rest', () => {
    const r = mainRun({ soak: soak({ commit: 'aaaaaaa' }) });
    expect(soakRow(r)[0]).toBe(
      'webhook resident memory growth over 1,000,000 requests, soak at the same commit (2026-12-01)',
    );
    expect(renderSummaryTable(r)).not.toContain('separate run');
  });

  it('lists the soak in BENCHMARKS.md: commit, date, count, errors and every memory reading', () => {
    const text = renderBenchmarks(mainRun({ soak: soak() }));
    expect(text).toContain(
      '- Soak: `npm run bench:soak` at commit bbbbbbb, 2026-12-01T00:05:00.000Z, Node v20.20.2: 1,000,000 requests in\n' +
        '  10 min 12 s, 0 errors; resident memory after 10,000: 90.0 MiB, 1,000,000: 91.8 MiB.',
    );
  });
});

describe('the run duration', () => {
  it('is given in total and by phase in BENCHMARKS.md, and in total under the summary table', () => {
    const r = mainRun();
    expect(renderBenchmarks(r)).toContain(
      '- `npm run bench` took 4 min 5 s (wall clock, build included):\n  build 20 s, webhook load 2 min 1 s, offline 1 min 44 s.',
    );
    expect(renderSummaryTable(r)).toContain('commit aaaaaaa, 2026-11-30, `npm run bench` took 4 min 5 s._');
  });

  it('is said to be unrecorded for results from before it was', () => {
    const r = mainRun({ durations: undefined });
    expect(renderBenchmarks(r)).toContain('- How long the run took was not recorded');
    expect(renderSummaryTable(r)).not.toContain('took');
  });
});

describe('the line under the table', () => {
  it('names every target the run missed, and says so when it missed none', () => {
    expect(renderSummaryTable(mainRun())).toContain('This run met every target it judges.');
    const slow = mainRun();
    slow.webhook[0]!.graphdata = { p99Ms: 62, rps: 3000 };
    slow.webhook[0]!.p99Ratio = 2;
    slow.webhook[0]!.rpsRatio = 3000 / 6375;
    slow.plugin.injectMs = 200;
    const line = renderSummaryTable(slow).trimEnd().split('\n').at(-1)!;
    expect(line).toContain(
      'Targets this run missed: /mutate, realistic review (7.8 KB), 64 connections: p99; ' +
        '/mutate, realistic review (7.8 KB), 64 connections: requests/s; `inject -f pod.yaml` start-up.',
    );
  });
});

describe("a floor under autocannon's 1 ms resolution", () => {
  it('is shown as < 1 ms, divided as 1 ms, and the ratio as a lower bound', () => {
    const r = mainRun();
    r.webhook[0]!.floor = { ...r.webhook[0]!.floor, p99Ms: 0 };
    r.webhook[0]!.graphdata = { ...r.webhook[0]!.graphdata, p99Ms: 2.5 };
    const table = renderSummaryTable(r);
    const row = table.split('\n').find((l) => l.includes('64 connections: p99'))!;
    expect(row).toContain('< 1 ms bare fastify (autocannon counts whole ms)');
    expect(row).toContain('≥ 2.50×');
    expect(row).toContain('(missed)');
    expect(table).not.toMatch(/\d{6,}\.\d\d×/);
  });
});

describe('the plugin start-up rows', () => {
  it("judge each Node release by the median of its rounds' own ratios", () => {
    const r = mainRun();
    r.plugin = {
      ...r.plugin,
      injectRatio: 1.4,
      versionRatio: 1.3,
      node: 'v20.20.2',
      otherNodes: [
        { runs: 11, floorMs: 25, injectMs: 45, versionMs: 30, injectRatio: 1.9, versionRatio: 1.2, node: 'v24.22.3' },
      ],
    };
    const table = renderSummaryTable(r);
    expect(table).toMatch(
      /\| `inject -f pod\.yaml` start-up, Node v20\.20\.2 +\| 150\.0 ms +\| 127\.7 ms `node -e 0` +\| 1\.40× +\| ≤ 1\.5× +\|/,
    );
    expect(table).toMatch(
      /\| `inject -f pod\.yaml` start-up, Node v24\.22\.3 +\| 45\.0 ms .*\| 1\.90× +\| ≤ 1\.5× \(missed\) +\|/,
    );
    expect(table).toMatch(/\| `version --client` start-up, Node v24\.22\.3 +\| 30\.0 ms .*\| 1\.20× +\| ≤ 1\.5× +\|/);
  });
});

describe('the offline rows', () => {
  it('show inject --diff at 10k only when the run had it at 10k only, and no 20k-beside-10k row for it', () => {
    const table = renderSummaryTable(mainRun());
    expect(table).toContain('| `inject --diff -f`, 10,000 executor pods (80 MB) |');
    expect(table).not.toContain('`inject --diff -f`, 20,000');
    expect(table).not.toContain('`inject --diff -f`: 20,000');
    expect(table).toContain('| `inject -f`: 20,000 pods beside 10,000 | 17.0 s | 9.0 s | 1.89× | ≤ 2.2× |');
    expect(table).toContain('| `validate -f`: 20,000 pods beside 10,000 | 16.0 s | 8.0 s | 2.00× | ≤ 2.2× |');
  });

  it('say how the floor ran for results with two floor runs per size', () => {
    expect(renderBenchmarks(mainRun())).toContain('the floor runs just before `inject` and just after `validate`');
  });
});

describe('bench/results.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-bench-results-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the stored soak when the main run writes, and not a soak the main run carries', () => {
    const stored = mainRun({ commit: 'old', soak: soak() });
    const merged = withMainRun(stored, mainRun({ commit: 'new', soak: soak({ commit: 'stale' }) }));
    expect(merged.commit).toBe('new');
    expect(merged.soak).toEqual(soak());
    expect(withMainRun(undefined, mainRun({ soak: soak() })).soak).toBeUndefined();
    expect(withMainRun({ webhook: [] }, mainRun())).not.toHaveProperty('soak');
  });

  it('keeps the stored profile when the main run or the soak writes, and replaces it when the profile does', () => {
    const profile = (commit: string) => ({
      date: '2026-12-01T00:00:00Z',
      commit,
      node: 'v20.20.2',
      connections: 8,
      intervalUs: 100,
      seconds: 10,
      cases: [],
    });
    const stored = { ...mainRun({ commit: 'old' }), profile: profile('p1') };
    expect(withMainRun(stored, mainRun({ commit: 'new' })).profile).toEqual(profile('p1'));
    expect(withSoak(stored, soak()).profile).toEqual(profile('p1'));
    const replaced = withProfile(stored, profile('p2'));
    expect(replaced).toEqual({ ...mainRun({ commit: 'old' }), profile: profile('p2') });
    expect(withMainRun(undefined, mainRun())).not.toHaveProperty('profile');
  });

  it("keeps the main run's figures when the soak writes, replacing only the soak", () => {
    const stored = mainRun({ soak: soak({ requests: 50_000 }) });
    const merged = withSoak(stored, soak());
    expect(merged).toEqual({ ...mainRun(), soak: soak() });
    const alone = withSoak(undefined, soak());
    expect(alone).toEqual({ soak: soak() });
    expect(hasMainRun(alone)).toBe(false);
    expect(hasMainRun(merged)).toBe(true);
  });

  it('round-trips through the file, both commands in turn', () => {
    const path = join(dir, 'bench', 'results.json');
    expect(readResults(path)).toBeUndefined();
    writeResults(withSoak(readResults(path), soak()), path);
    writeResults(withMainRun(readResults(path), mainRun()), path);
    expect(readResults(path)).toEqual({ ...mainRun(), soak: soak() });
    writeResults(withSoak(readResults(path), soak({ requests: 20_000 })), path);
    expect(readResults(path)).toEqual({ ...mainRun(), soak: soak({ requests: 20_000 }) });
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
  });

  it('refuses a file that is not JSON, naming it', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"date": ');
    expect(() => readResults(path)).toThrow(`${path} is not valid JSON`);
  });

  it('renders nothing from a file that holds only a soak', () => {
    expect(writeReports(withSoak(undefined, soak()))).toBe(false);
    expect(writeReports(undefined)).toBe(false);
  });
});

describe('the controller-runtime peer', () => {
  const figures = (p50Ms: number, p99Ms: number, rps: number, cpuUsPerRequest: number) => ({
    p50Ms,
    p99Ms,
    rps,
    cpuUsPerRequest,
  });
  const withPeer = (graphdataRss: number, peer = figures(4, 20, 2000, 900)): BenchResults => {
    const r = mainRun();
    r.webhook = [
      {
        ...r.webhook[0]!,
        graphdata: figures(3, 18, 3000, 600),
        floor: figures(1, 9, 6000, 300),
        peer,
        rssMiB: { graphdata: graphdataRss, floor: 60, peer: 40 },
      },
    ];
    return r;
  };

  it('a run ahead of the peer on every column has no shortfall, and the table says so', () => {
    // Level on resident memory: a tie is not behind.
    const r = withPeer(40);
    expect(peerShortfalls(r)).toEqual([]);
    const text = renderBenchmarks(r);
    expect(text).toContain('| 64 | controller-runtime peer | 4.00 ms | 20.0 ms | 2000 | 900 µs | 40.0 MiB |');
    expect(text).toContain('graphdata is ahead of the peer, or level, on every column.');
  });

  it('names each column where graphdata is behind, so the run fails', () => {
    const r = withPeer(95, figures(2, 30, 2500, 500));
    expect(peerShortfalls(r)).toEqual([
      'p50 at 64 connections: 3.00 ms against 2.00 ms',
      'CPU per request at 64 connections: 600 µs against 500 µs',
      'resident memory at 64 connections: 95.0 MiB against 40.0 MiB',
    ]);
    expect(renderBenchmarks(r)).toContain('`npm run bench` exits 1 for this.');
  });

  it('shows graphdata served by several processes beside the one process, and judges only the one', () => {
    const r = withPeer(40);
    r.webhook[0] = {
      ...r.webhook[0]!,
      processes: figures(2, 12, 5000, 700),
      serveProcesses: 2,
      rssMiB: { ...r.webhook[0]!.rssMiB!, processes: 210 },
    };
    const text = renderBenchmarks(r);
    expect(text).toContain(
      '| 64 | graphdata, --processes 2 (a pod given 2 CPUs; not judged) | 2.00 ms | 12.0 ms | 5000 | 700 µs | 210.0 MiB |',
    );
    expect(peerShortfalls(r)).toEqual([]);
  });

  it('results without the peer judge nothing and say it did not run', () => {
    expect(peerShortfalls(mainRun())).toEqual([]);
    expect(renderBenchmarks(mainRun())).toContain('The controller-runtime peer did not run in these results.');
  });
});

describe('the Node the webhook was served on', () => {
  it("says when the servers ran on the image's release, beside the bench process's own", () => {
    const r = mainRun({ serverNode: { version: 'v24.22.3', image: true } });
    expect(renderBenchmarks(r)).toContain(
      "- Webhook and floor on Node v24.22.3 (the image's release; the bench process on v20.20.2), commit aaaaaaa",
    );
    expect(renderSummaryTable(r)).toContain(
      "_2 cores, Node v24.22.3 (the image's release; the bench process on v20.20.2)",
    );
  });

  it("says when they did not, and how to fetch the image's release", () => {
    const r = mainRun({ serverNode: { version: 'v20.20.2', image: false } });
    expect(renderBenchmarks(r)).toContain(
      "- Webhook and floor on Node v20.20.2 (not the image's release, which `npm run test:node` fetches), commit",
    );
  });

  it('results from before it was recorded name the one Node', () => {
    expect(renderBenchmarks(mainRun())).toContain('- Webhook and floor on Node v20.20.2, commit aaaaaaa');
  });

  it("reads the image's major release from the Dockerfile", () => {
    expect(imageNodeMajor('# a comment\nFROM node:24-bookworm-slim AS build\nFROM node:22\n')).toBe(24);
    // What `npm run test:node` fetches holds the image's release, so the bench finds it there.
    const { versions } = JSON.parse(readFileSync(join(REPO_ROOT, 'test/node/versions.json'), 'utf8'));
    expect(versions.map((v: string) => Number(v.split('.')[0]))).toContain(imageNodeMajor());
    expect(() => imageNodeMajor('FROM debian:12\n')).toThrow('the Dockerfile has no FROM node:N line');
  });
});
