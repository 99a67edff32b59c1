// The policy-count phase in a process of its own, started with the webhook's V8 flags.
// Run inside `npm run bench` after the load phase, it measured the bench process, whose
// heap autocannon had just filled, and not a webhook: its /mutate ratio moved between
// 0.9x and 3x from one full run to the next. Usage: policy-scale-main.js ROUNDS REQUESTS
import { benchPolicyScale } from './policy-scale.js';

const [rounds, requests] = process.argv.slice(2).map(Number);
if (!(rounds! > 0 && requests! > 0)) throw new Error('usage: policy-scale-main.js ROUNDS REQUESTS');
process.stdout.write(`${JSON.stringify(await benchPolicyScale({ rounds: rounds!, requests: requests! }))}\n`);
