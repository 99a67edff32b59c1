// Under 64-connection load: SIGTERM drains without a failed request (new connections
// included) and exits within its bound; a serving-cert swap, as a file rename and as a
// Secret-style `..data` symlink swap, fails nothing and reaches new handshakes within 2 s.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { inspectCert } from '../../certs/pki.js';
import { writeFileAtomic } from '../../certs/store.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { SecretVolume, servedSerial, servingPair } from '../support/cert-dirs.js';
import { startWebhook } from '../support/spawn-webhook.js';
import { admissionReview, httpsCall } from '../support/webhook-client.js';
import { FULL, loadUntil, pool, scale, sleep, startSupplied } from './harness.js';

const review = () => JSON.stringify(admissionReview(sparkExecutorPod()));
const allowed = (text: string) => (JSON.parse(text).response?.allowed === true ? undefined : `not allowed: ${text}`);

describe('SIGTERM under load', () => {
  const drainS = FULL ? 5 : 3;
  it(`64 connections and new ones keep being answered through a ${drainS} s drain; exit 0 within 20 s`, async () => {
    const webhook = await startSupplied(FULL ? [] : ['--drain', `${drainS}s`]);
    const client = pool(webhook, 64);
    let signalledAt = 0;
    // The load stops a second before the drain ends, as the apiserver does once the
    // endpoint is gone; until then every request must succeed.
    const stop = () => signalledAt > 0 && Date.now() > signalledAt + (drainS - 1) * 1_000;
    const load = loadUntil(client, 64, stop, review, allowed);
    const fresh = (async () => {
      let ok = 0;
      const errors: string[] = [];
      while (!stop()) {
        const one = new Client(webhook.url, { connect: { ca: webhook.ca } });
        try {
          const res = await one.request({
            path: '/mutate',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: review(),
          });
          await res.body.text();
          if (res.statusCode === 200) ok += signalledAt ? 1 : 0;
          else errors.push(`status ${res.statusCode}`);
        } catch (error) {
          errors.push((error as Error).message);
        } finally {
          await one.close();
        }
        await sleep(50);
      }
      return { ok, errors };
    })();
    await sleep(1_000);
    const exited = new Promise<number | null>((resolve) => webhook.child.once('exit', resolve));
    signalledAt = Date.now();
    webhook.child.kill('SIGTERM');
    expect((await httpsCall(`${webhook.url}/readyz`, webhook.ca)).status).toBe(503);
    const [loaded, newConnections] = await Promise.all([load, fresh]);
    await client.close();
    const code = await exited;
    const took = Date.now() - signalledAt;
    expect(loaded.errors).toEqual([]);
    expect(loaded.failed).toBe(0);
    expect(loaded.ok).toBeGreaterThan(100);
    expect(newConnections.errors).toEqual([]);
    expect(newConnections.ok).toBeGreaterThan(0); // new connections were answered during the drain
    expect(code).toBe(0);
    expect(took).toBeGreaterThanOrEqual(drainS * 1_000 - 100);
    expect(took).toBeLessThan(20_000);
  });
});

describe('serving-cert swap under load', () => {
  const seconds = scale(4, 15);

  async function swapUnderLoad(url: string, ca: string, swap: () => Promise<string>) {
    const client = pool({ url, ca }, 64);
    const started = Date.now();
    const load = loadUntil(client, 64, () => Date.now() > started + seconds * 1_000, review, allowed);
    await sleep(1_000);
    const serial = await swap();
    const swapped = Date.now();
    let seenAfter = -1;
    while (Date.now() - swapped < 5_000) {
      if ((await servedSerial(url, ca).catch(() => '')) === serial) {
        seenAfter = Date.now() - swapped;
        break;
      }
      await sleep(50);
    }
    const result = await load;
    await client.close();
    return { result, seenAfter };
  }

  it('as a file rename: zero failed requests, new handshakes get the new cert within 2 s', async () => {
    const webhook = await startSupplied(['--drain', '0s']);
    try {
      const { result, seenAfter } = await swapUnderLoad(webhook.url, webhook.ca, async () => {
        const next = servingPair(webhook.authority, ['127.0.0.1', 'localhost']);
        await writeFileAtomic(join(webhook.certDir, 'tls.key'), next.keyPem, 0o600);
        await writeFileAtomic(join(webhook.certDir, 'tls.crt'), next.certPem, 0o644);
        return inspectCert(next.certPem).serial;
      });
      expect(result.errors).toEqual([]);
      expect(result.ok).toBeGreaterThan(100);
      expect(seenAfter).toBeGreaterThanOrEqual(0);
      expect(seenAfter).toBeLessThanOrEqual(2_000);
    } finally {
      expect(await webhook.stop()).toBe(0);
    }
  });

  it('as a Secret volume ..data swap: zero failed requests, new handshakes get the new cert within 2 s', async () => {
    const supplied = await startSupplied(['--drain', '0s']); // for its CA only
    expect(await supplied.stop()).toBe(0);
    const volume = new SecretVolume(join(supplied.certDir, '..', 'secret'));
    const first = servingPair(supplied.authority, ['127.0.0.1']);
    volume.write({ 'ca.crt': supplied.ca, 'tls.crt': first.certPem, 'tls.key': first.keyPem });
    const webhook = await startWebhook(['--port', '0', '--cert-dir', volume.dir, '--drain', '0s']);
    try {
      const { result, seenAfter } = await swapUnderLoad(webhook.url, supplied.ca, async () => {
        const next = servingPair(supplied.authority, ['127.0.0.1']);
        volume.write({ 'ca.crt': supplied.ca, 'tls.crt': next.certPem, 'tls.key': next.keyPem });
        return inspectCert(next.certPem).serial;
      });
      expect(result.errors).toEqual([]);
      expect(result.ok).toBeGreaterThan(100);
      expect(seenAfter).toBeGreaterThanOrEqual(0);
      expect(seenAfter).toBeLessThanOrEqual(2_000);
    } finally {
      expect(await webhook.stop()).toBe(0);
      rmSync(join(supplied.certDir, '..'), { recursive: true, force: true });
    }
  });
});
