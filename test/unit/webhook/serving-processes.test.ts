// More than one serving process per pod: how many (from the container's limits, as the
// webhook and `install` both plan it), and the webhook run that way as `npm start` runs it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_LIMIT,
  MAX_REVIEW_BYTES,
  memoryFor,
  memoryPlan,
  PRIMARY_RESERVE,
  parseCpuLimit,
  servingProcesses,
} from '../../../common/memory-budget.js';
import { containerLimits } from '../../../plugin/install/container-limits.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';
import { startDevWebhook } from '../../support/spawn-webhook.js';
import { admissionReview, httpsCall, postJson } from '../../support/webhook-client.js';

const MiB = 1024 * 1024;

describe('how many serving processes', () => {
  it('one per whole CPU of the limit, as far as the memory gives each a full plan', () => {
    expect(servingProcesses('auto', undefined, DEFAULT_MEMORY_LIMIT).count).toBe(1);
    // The Deployment's defaults (1 CPU, 512Mi): one process, the plan as before.
    expect(servingProcesses('auto', 1, DEFAULT_MEMORY_LIMIT)).toMatchObject({
      count: 1,
      memory: memoryPlan(DEFAULT_MEMORY_LIMIT),
    });
    const two = memoryFor(2);
    expect(two).toBeGreaterThan(2 * DEFAULT_MEMORY_LIMIT);
    expect(servingProcesses('auto', 2, two).count).toBe(2);
    expect(servingProcesses('auto', 2.9, two).count).toBe(2);
    expect(servingProcesses('auto', 0.5, two).count).toBe(1);
    // Each process answers the largest review; the processes and the primary fit the limit.
    const { memory } = servingProcesses('auto', 2, two);
    expect(memory.maxBodyBytes).toBe(MAX_REVIEW_BYTES);
    expect(2 * memory.limitBytes + PRIMARY_RESERVE).toBeLessThanOrEqual(two);
    // More CPUs than the memory holds: fewer processes, and the reason says what would hold them.
    const held = servingProcesses('auto', 2, DEFAULT_MEMORY_LIMIT);
    expect(held.count).toBe(1);
    expect(held.reason).toContain(`${Math.ceil(two / MiB)} MiB would hold 2`);
    // A node's whole CPU count (a pod without a CPU limit gets that) is bounded by memory too.
    expect(servingProcesses('auto', 64, two).count).toBe(2);
  });

  it('--processes N is held to the memory limit; GRAPHDATA_CPU_LIMIT is millicores', () => {
    expect(servingProcesses('2', undefined, memoryFor(2)).count).toBe(2);
    expect(() => servingProcesses('2', undefined, DEFAULT_MEMORY_LIMIT)).toThrow(
      new RegExp(`2 serving processes need a memory limit of at least ${Math.ceil(memoryFor(2) / MiB)} MiB`),
    );
    expect(() => servingProcesses('two', 2, DEFAULT_MEMORY_LIMIT)).toThrow(
      /--processes must be auto or a whole number/,
    );
    expect(parseCpuLimit('2000')).toBe(2);
    expect(parseCpuLimit('1500')).toBe(1.5);
    expect(parseCpuLimit(undefined)).toBeUndefined();
    expect(() => parseCpuLimit('2')).not.toThrow();
    expect(() => parseCpuLimit('1500m')).toThrow(/whole millicores/);
  });

  it('install checks --cpu and --memory with the same plan before applying anything', () => {
    expect(containerLimits('1', '512Mi')).toEqual({ processes: 1 });
    expect(containerLimits('2', '1100Mi')).toEqual({ processes: 2 });
    expect(containerLimits('2', '512Mi')).toMatchObject({
      processes: 1,
      note: expect.stringContaining(`give --memory ${Math.ceil(memoryFor(2) / MiB)}Mi for 2`),
    });
    expect(() => containerLimits('2', '200Mi')).toThrow(/--memory 200Mi: .*give the webhook at least/);
    expect(() => containerLimits('two', '1Gi')).toThrow(/--cpu "two" is not a Kubernetes quantity/);
    expect(() => containerLimits('50m', '1Gi')).toThrow(/below the pod's request/);
    expect(() => containerLimits('1', '1GB')).toThrow(/--memory "1GB" is not a Kubernetes quantity/);
  });
});

describe('a webhook of two serving processes', { timeout: 90_000 }, () => {
  it('both serve, /metrics sums them, a process that dies is replaced, SIGTERM stops all', async () => {
    const webhook = await startDevWebhook(['--processes', '2', '--memory-limit', '1100Mi']);
    const serving = () =>
      webhook
        .logs()
        .split('\n')
        .filter((l) => l.includes('graphdata webhook serving'))
        .map((l) => JSON.parse(l) as { pid: number; process: number; processes: number });
    try {
      for (let i = 0; i < 100 && serving().length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      const first = serving();
      expect(first.map((s) => s.process).sort()).toEqual([0, 1]);
      expect(new Set(first.map((s) => s.pid)).size).toBe(2);
      // Each request on a connection of its own: round-robin over both processes.
      const reviews = 20;
      for (let i = 0; i < reviews; i++) {
        const reply = await postJson(`${webhook.url}/mutate`, webhook.ca, admissionReview(sparkExecutorPod()));
        expect(reply.json().response.patchType).toBe('JSONPatch');
      }
      const injected = async () => {
        const text = (await httpsCall(`${webhook.url}/metrics`, webhook.ca)).body;
        const line = text
          .split('\n')
          .find((l) => l.startsWith('graphdata_admission_requests_total{webhook="mutate",outcome="injected"'));
        return { count: Number(line?.split(' ').pop()), text };
      };
      // Whichever process answers /metrics, it reports both processes' reviews.
      for (let i = 0; i < 4; i++) expect((await injected()).count).toBe(reviews);
      const { text } = await injected();
      expect(text).toMatch(/^graphdata_policy_store_synced 1$/m);
      // The primary stays within the memory planned for it, having summed many scrapes: it
      // loads none of the server (77 MiB on Node 20 while it loaded every module).
      for (let i = 0; i < 100; i++) await injected();
      const primaryRss = Number(
        /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${webhook.child.pid}/status`, 'utf8'))![1],
      );
      expect(primaryRss * 1024).toBeLessThan(PRIMARY_RESERVE);
      // One process killed: replaced. A connection the primary handed to the killed one as it
      // died gets no answer (node:cluster does not hand it on; the apiserver's timeout
      // applies), so each call here has 2 s.
      const healthz = () =>
        Promise.race([
          httpsCall(`${webhook.url}/healthz`, webhook.ca).then((r) => r.status),
          new Promise<string>((r) => setTimeout(r, 2_000, 'no answer')),
        ]).catch((error: Error) => error.message);
      process.kill(first[0]!.pid, 'SIGKILL');
      for (let i = 0; i < 100 && serving().length < 3; i++) {
        await healthz();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(serving()[2]).toMatchObject({ process: first[0]!.process });
      expect(webhook.logs()).toContain('a serving process exited; replacing it');
      // Once replaced, every call is answered again.
      for (let i = 0; i < 10; i++) expect(await healthz()).toBe(200);
    } finally {
      expect(await webhook.stop('SIGTERM')).toBe(0);
    }
    // Every serving process drained and stopped, none left behind.
    const stopped = webhook
      .logs()
      .split('\n')
      .filter((l) => l.includes('"msg":"stopped"'));
    expect(stopped).toHaveLength(2);
    for (const { pid } of serving().slice(1)) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('a start-up error in the serving processes ends the primary with it, not a restart loop', async () => {
    const busy = await startDevWebhook();
    try {
      const port = new URL(busy.url).port;
      await expect(
        startDevWebhook(['--processes', '2', '--memory-limit', '1100Mi', '--port', port], 20_000),
      ).rejects.toThrow(/exited with 1 before serving[\s\S]*cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
    } finally {
      await busy.stop();
    }
  });
});
