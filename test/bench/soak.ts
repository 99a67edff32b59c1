// `npm run bench:soak`: a long run of realistic reviews against `npm start`'s entry point,
// sampling its resident memory after each block, to show whether memory grows with load.
// Default 1,000,000 requests (about ten minutes here); `-- --requests N` for fewer.
import { round, reviewBodies, startServers } from './webhook-load.js';

const arg = process.argv.indexOf('--requests');
const total = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;
const block = Math.min(100_000, total);
const body = reviewBodies().realistic;
const servers = await startServers();
try {
  await round(servers.graphdataUrl, servers.ca, body, 64, 0, 10_000);
  const baseline = servers.graphdataRssMiB();
  process.stdout.write(`after 10,000 requests: ${baseline.toFixed(1)} MiB\n`);
  let sent = 10_000;
  let errors = 0;
  while (sent < total) {
    const r = await round(servers.graphdataUrl, servers.ca, body, 64, 0, Math.min(block, total - sent));
    sent += Math.min(block, total - sent);
    errors += r.errors;
    const rss = servers.graphdataRssMiB();
    const growth = ((rss / baseline - 1) * 100).toFixed(1);
    process.stdout.write(
      `after ${sent.toLocaleString('en')} requests: ${rss.toFixed(1)} MiB (${growth}%), errors ${errors}\n`,
    );
  }
} finally {
  await servers.stop();
}
