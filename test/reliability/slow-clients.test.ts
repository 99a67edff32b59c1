// Slow clients: connections that dribble their headers or their body a byte a second
// are closed by the server's timeouts, and /healthz keeps answering meanwhile.
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpsCall } from '../support/webhook-client.js';
import { inParallel, scale, sleep, startSupplied, type Webhook } from './harness.js';

const each = scale(100, 500);
let webhook: Webhook;
beforeAll(async () => {
  // A slot for every slow connection, so that only the timeouts end them: beyond its slots the
  // webhook closes the oldest silent one (connection-flood.test.ts), as these are.
  webhook = await startSupplied(['--drain', '0s', '--max-connections', String(each * 2 + 32)]);
});
afterAll(async () => {
  expect(await webhook?.stop()).toBe(0);
});

function openSlow(kind: 'header' | 'body'): Promise<{ socket: TLSSocket; kind: string; closedAfter: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: webhook.port, ca: webhook.ca }, () => {
      const opened = Date.now();
      const closedAfter = new Promise<number>((done) => socket.once('close', () => done(Date.now() - opened)));
      socket.write(
        kind === 'header'
          ? 'POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\n'
          : 'POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n',
      );
      resolve({ socket, kind, closedAfter });
    });
    socket.resume();
    socket.on('error', () => {}); // a reset counts as closed
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
}

describe('slow clients', () => {
  it(`${each} slow-header and ${each} slow-body connections are closed by the timeouts; /healthz answers`, async () => {
    const slow = await inParallel(each * 2, 25, (i) => openSlow(i % 2 === 0 ? 'header' : 'body'));
    // A byte a second each: never idle, so only the header and request deadlines can end them.
    const drip = setInterval(() => {
      // A header name that never ends, or JSON whitespace that never ends.
      for (const { socket, kind } of slow) if (!socket.destroyed) socket.write(kind === 'header' ? 'x' : ' ');
    }, 1_000);
    const health: number[] = [];
    let probing = true;
    const probes = (async () => {
      const deadline = Date.now() + 60_000;
      while (probing && Date.now() < deadline) {
        health.push(
          await httpsCall(`${webhook.url}/healthz`, webhook.ca).then(
            (r) => r.status,
            () => 0,
          ),
        );
        await sleep(200);
      }
    })();
    try {
      const closedAfter = await Promise.all(slow.map((s) => s.closedAfter));
      // 5 s deadlines checked every second; the rest is a busy machine's slack.
      expect(Math.max(...closedAfter)).toBeLessThan(15_000);
      expect(Math.min(...closedAfter)).toBeGreaterThanOrEqual(4_000);
    } finally {
      clearInterval(drip);
      probing = false;
      await probes;
    }
    expect(health.length).toBeGreaterThan(5);
    expect(health.filter((s) => s !== 200)).toEqual([]);
  });
});
