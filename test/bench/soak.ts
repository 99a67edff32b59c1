// `npm run bench:soak`: a long run of realistic reviews against `npm start`'s entry point,
// sampling its resident memory after the first 10,000 and after each block of 100,000, to
// show whether memory grows with load. Default 1,000,000 requests (the figure, about
// ten minutes here); `-- --requests N` for fewer, recorded as such and not judged against
// the target. The figures go into bench/results.json beside the main run's (which stay), and
// BENCHMARKS.md is rendered again when a main run is there.
import { performance } from 'node:perf_hooks';
import { duration, SOAK_TARGET_REQUESTS, type SoakFigures } from './report.js';
import { currentCommit, readResults, withSoak, writeReports, writeResults } from './results.js';
import { round, reviewBodies, startServers } from './webhook-load.js';
import { serverNode } from './node-releases.js';

const BASELINE = 10_000;
const arg = process.argv.indexOf('--requests');
const total = arg > 0 ? Number(process.argv[arg + 1]) : SOAK_TARGET_REQUESTS;
if (!Number.isSafeInteger(total) || total < BASELINE) {
  throw new Error(`--requests takes a whole number of at least ${BASELINE.toLocaleString('en')}`);
}
readResults(); // refuse a results file that cannot be merged with before the long run, not after
const block = Math.min(100_000, total);
const body = reviewBodies().realistic;
const date = new Date().toISOString();
const start = performance.now();
// On the image's Node release where it is at hand; the figures name it.
const server = serverNode();
const servers = await startServers({ node: server.path });
const say = (line: string) => process.stdout.write(`${line}\n`);
let soak: SoakFigures;
try {
  let errors = (await round(servers.graphdataUrl, servers.ca, body, 64, 0, BASELINE)).errors;
  const baseline = servers.graphdataRssMiB();
  const samples = [{ requests: BASELINE, rssMiB: baseline }];
  say(`after ${BASELINE.toLocaleString('en')} requests: ${baseline.toFixed(1)} MiB, errors ${errors}`);
  let sent = BASELINE;
  while (sent < total) {
    const amount = Math.min(block, total - sent);
    errors += (await round(servers.graphdataUrl, servers.ca, body, 64, 0, amount)).errors;
    sent += amount;
    const rss = servers.graphdataRssMiB();
    samples.push({ requests: sent, rssMiB: rss });
    const growth = ((rss / baseline - 1) * 100).toFixed(1);
    say(`after ${sent.toLocaleString('en')} requests: ${rss.toFixed(1)} MiB (${growth}%), errors ${errors}`);
  }
  const last = samples[samples.length - 1]!.rssMiB;
  soak = {
    date,
    commit: currentCommit(),
    node: server.version,
    requests: sent,
    errors,
    rssAfter10kMiB: baseline,
    rssAfterMiB: last,
    growthPercent: (last / baseline - 1) * 100,
    samples,
    seconds: (performance.now() - start) / 1e3,
  };
} finally {
  await servers.stop();
}

const merged = withSoak(readResults(), soak);
writeResults(merged);
const rendered = writeReports(merged);
say(`${soak.requests.toLocaleString('en')} requests in ${duration(soak.seconds)}, ${soak.errors} errors`);
say(
  rendered
    ? 'wrote bench/results.json and BENCHMARKS.md'
    : 'wrote bench/results.json; it holds no npm run bench results yet, so nothing was rendered',
);
if (soak.requests < SOAK_TARGET_REQUESTS) {
  say(`fewer than ${SOAK_TARGET_REQUESTS.toLocaleString('en')} requests: recorded as such, not judged against < 5%`);
}
