// `npm run bench`: each measurement beside its floor, medians and ratios only.
import { benchPluginStart } from './plugin-start.js';
import { benchWebhook } from './webhook-latency.js';

const quick = process.argv.includes('--quick');
const webhook = await benchWebhook(quick ? 2 : 5, quick ? 200 : 2000);
const plugin = benchPluginStart(quick ? 5 : 21);
const report = { webhook, plugin };
console.log(
  process.argv.includes('--json')
    ? JSON.stringify(report)
    : [
        `webhook /mutate, Spark executor, 8 concurrent, median of rounds:`,
        `  bare fastify HTTPS (floor): ${webhook.floorLatency}, ${webhook.floorThroughput}`,
        `  graphdata:                  ${webhook.graphdataLatency}, ${webhook.graphdataThroughput}`,
        `plugin start-up, median:`,
        `  node -e 0 (floor):          ${plugin.floor}`,
        `  inject -f pod.yaml:         ${plugin.inject}`,
        `  version --client:           ${plugin.version}`,
      ].join('\n'),
);
