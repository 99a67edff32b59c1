// A process of its own that keeps `concurrency` large AdmissionReviews (about `mib` MiB
// each: an env-heavy executor with its managedFields) in flight against the webhook, each
// on its own connection, alternating /mutate and /validate, until `ms` have passed. Run
// apart from the test so that encrypting megabytes does not delay the test's own timings.
// Prints one JSON line: answers by status and outcome. SIGTERM ends it early.
// Usage: node large-load.js URL CA_FILE CONCURRENCY MS MIB
import { readFileSync } from 'node:fs';
import { Client } from 'undici';
import { sparkExecutorPod } from '../fixtures/pods.js';

const [url, caFile, concurrency, ms, mib] = process.argv.slice(2) as [string, string, string, string, string];
const ca = readFileSync(caFile, 'utf8');

/** An env-heavy executor and its managedFields, grown until the review is `bytes` long. */
function largeReview(bytes: number, uid: string): string {
  const pod = sparkExecutorPod();
  const env: { name: string; value: string }[] = [];
  const managed: Record<string, unknown> = {};
  pod.metadata!.managedFields = [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': managed } }];
  pod.spec!.containers[0]!.env = env;
  // About 80 bytes a variable (the entry and its managedFields key).
  const entries = Math.floor(bytes / 80);
  for (let i = 0; i < entries; i++) {
    env.push({ name: `E${i}`, value: 'v' });
    managed[`k:{"name":"E${i}"}`] = { '.': {}, 'f:name': {}, 'f:value': {} };
  }
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'big-tenant',
      operation: 'CREATE',
      userInfo: { username: 'big-tenant' },
      object: pod,
      dryRun: true,
    },
  });
}

const body = largeReview(Number(mib) * 1024 * 1024, 'large-load');
let stopAt = Date.now() + Number(ms);
// SIGTERM: stop sending; each loop finishes the review it has in flight, then the counts are printed.
process.once('SIGTERM', () => {
  stopAt = 0;
});
const counts: Record<string, number> = {};
const count = (key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

async function loop(index: number): Promise<void> {
  let n = 0;
  while (Date.now() < stopAt) {
    const path = (index + n++) % 2 === 0 ? '/mutate' : '/validate';
    // A new connection each time, as each apiserver request may open one.
    const client = new Client(url, { connect: { ca } });
    try {
      const res = await client.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) count(`${path} ${res.statusCode} ${text.slice(0, 100)}`);
      else {
        const response = JSON.parse(text).response as {
          allowed: boolean;
          status?: { code?: number };
          warnings?: string[];
        };
        const shed = response.status?.code === 429 || response.warnings?.some((w) => w.includes('memory budget'));
        count(`${path} ${shed ? 'shed' : response.allowed ? 'allowed' : 'denied'}`);
      }
    } catch (error) {
      count(`${path} ${(error as Error).message.slice(0, 60)}`);
    } finally {
      await client.close().catch(() => undefined);
    }
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, (_, i) => loop(i)));
process.stdout.write(`${JSON.stringify({ bytes: Buffer.byteLength(body), counts })}\n`);
