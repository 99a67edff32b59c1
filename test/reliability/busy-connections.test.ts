// Busy connections in the memory plan. Every connection with a review in flight holds TLS
// state, request objects and the garbage they leave in the main process; uncapped, its
// heap let Node 24's main process reach 187-221 MiB with 256 busy connections, past the
// 128 MiB the plan gave it. Now the heap is held to MAIN_HEAP_MB and each slot is counted
// (common/memory-budget.ts): with every slot busy, the main process stays in its share.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_LIMIT, mainProcessBytes, memoryPlan } from '../../common/memory-budget.js';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import { admissionReview } from '../support/webhook-client.js';
import { pool, scale, startSupplied } from './harness.js';

const LOAD_MS = scale(6_000, 20_000);
const MiB = 1024 * 1024;

describe('busy connections', () => {
  const plan = memoryPlan(DEFAULT_MEMORY_LIMIT);
  it(`all ${plan.maxConnections} slots busy with realistic reviews for ${LOAD_MS / 1000} s: the main process stays in its ${Math.round(mainProcessBytes(plan) / MiB)} MiB`, async () => {
    const webhook = await startSupplied(['--drain', '0s']);
    const kyuubi = parse(readFileSync(join(REPO_ROOT, 'test/fixtures/manifests/spark-executor-kyuubi.yaml'), 'utf8'));
    const body = JSON.stringify(admissionReview(kyuubi));
    const clients = pool(webhook, plan.maxConnections);
    let peakMiB = 0;
    const sampler = setInterval(() => {
      peakMiB = Math.max(peakMiB, webhook.rssMiB());
    }, 25);
    const statuses: Record<number, number> = {};
    const failures: string[] = [];
    try {
      const end = Date.now() + LOAD_MS;
      await Promise.all(
        Array.from({ length: plan.maxConnections }, async () => {
          while (Date.now() < end) {
            try {
              const res = await clients.request({
                path: '/mutate',
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body,
              });
              await res.body.text();
              statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            } catch (error) {
              failures.push((error as Error).message);
            }
          }
        }),
      );
    } finally {
      clearInterval(sampler);
      await clients.close();
      expect(await webhook.stop()).toBe(0);
    }
    const figures = JSON.stringify({ peakMiB, statuses, failures: failures.slice(0, 3) });
    // The load was real: every slot served, nothing refused or failed.
    expect(failures, figures).toEqual([]);
    expect(Object.keys(statuses), figures).toEqual(['200']);
    expect(statuses[200], figures).toBeGreaterThan(plan.maxConnections * 5);
    expect(peakMiB, figures).toBeLessThanOrEqual(mainProcessBytes(plan) / MiB);
  });
});
