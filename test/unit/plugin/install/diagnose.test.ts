// install's diagnosis after a failed self-test reads the namespace-level /mutate entry, found
// by the path it calls: a registration whose entries come in another order (edited, or
// written by another tool) must not be diagnosed from the pod-level entry's selector.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../../../plugin/install/diagnose.js';
import type { Clients } from '../../../../plugin/kube/clients.js';
import { mutatingWebhookConfiguration } from '../../../../plugin/webhook-objects/registration.js';

/** A port nothing listens on: the port check fails the same way whichever entry is read. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function selectorCheck(reorder: boolean) {
  const config = mutatingWebhookConfiguration({
    endpoint: { url: `https://127.0.0.1:${await closedPort()}` },
    caBundle: '',
    ownNamespace: 'graphdata-system',
  });
  if (reorder) config.webhooks!.reverse();
  const clients = { admission: { readMutatingWebhookConfiguration: async () => config } } as unknown as Clients;
  const checks = await diagnose(clients, 'graphdata-system', 'graphdata-self-test-abc123');
  return checks.find((c) => c.name === 'selector');
}

describe('diagnose() after a failed self-test', () => {
  it('reads the selector of the entry that calls /mutate, in any order', async () => {
    const inOrder = await selectorCheck(false);
    const reversed = await selectorCheck(true);
    expect(inOrder?.ok).toBe(true);
    // The pod-level entry, first here, does not select an opted-in namespace: read by
    // position, the diagnosis blamed a selector that is as install wrote it.
    expect(reversed).toEqual(inOrder);
  });
});
