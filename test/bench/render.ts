// `npm run bench:render`: BENCHMARKS.md again from bench/results.json,
// running nothing (after a change to the report's wording, or to check what a result renders as).
import { RESULTS_PATH, readResults, writeReports } from './results.js';

if (!writeReports(readResults())) {
  process.stderr.write(`${RESULTS_PATH} holds no npm run bench results to render; run npm run bench\n`);
  process.exit(1);
}
process.stderr.write('rendered BENCHMARKS.md from bench/results.json\n');
