// `npm run bench`: every figure beside its floor, measured in the same run, as medians
// and ratios. Writes bench/results.json, BENCHMARKS.md and the README's table (between
// its bench markers) from the same results, so the three never disagree.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchOffline } from './offline.js';
import { benchPluginStart } from './plugin-start.js';
import { benchPolicyScale } from './policy-scale.js';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { renderBenchmarks, renderReadmeTable, type BenchResults } from './report.js';
import { benchWebhookLoad } from './webhook-load.js';

const quick = process.argv.includes('--quick');
const say = (line: string) => process.stderr.write(`${line}\n`);

say('webhook: /mutate beside bare fastify, realistic and small reviews, 8 and 64 connections…');
const { cases: webhook, rssAfter10kMiB } = await benchWebhookLoad({
  rounds: quick ? 1 : 3,
  seconds: quick ? 2 : 5,
  connections: [8, 64],
});
say('webhook: /mutate and /validate with 200 policy objects beside 1, in process…');
const policyScale = await benchPolicyScale({ rounds: quick ? 3 : 9, requests: quick ? 200 : 300 });
say('plugin start-up beside node -e 0…');
const plugin = benchPluginStart(quick ? 5 : 15);
say('offline: inject and validate on streams of realistic executor pods beside a js-yaml parse…');
const offline = await benchOffline(quick ? [2_000, 4_000] : [10_000, 20_000], say);

const results: BenchResults = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
  },
  node: process.version,
  commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim(),
  quick,
  webhook,
  webhookRssAfter10kMiB: rssAfter10kMiB,
  policyScale,
  plugin,
  offline,
};

mkdirSync(join(REPO_ROOT, 'bench'), { recursive: true });
writeFileSync(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(REPO_ROOT, 'BENCHMARKS.md'), renderBenchmarks(results));
const readmePath = join(REPO_ROOT, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const [begin, end] = ['<!-- bench:begin -->', '<!-- bench:end -->'];
const from = readme.indexOf(begin);
const to = readme.indexOf(end);
if (from >= 0 && to > from) {
  writeFileSync(
    readmePath,
    `${readme.slice(0, from + begin.length)}\n${renderReadmeTable(results)}${readme.slice(to)}`,
  );
}
say('wrote bench/results.json, BENCHMARKS.md and the README table');
process.stdout.write(renderReadmeTable(results));
