// Node's own TLS stack is the judge here, not our verifyChain: a served cert must pass
// the same hostname and chain checks a real client applies.
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { commonNameOnlyCert } from '../../support/certs.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CertPair, createCA, issueCert, localSans, splitSans, webhookSans } from '../../../certs/pki.js';

let ca: CertPair;
let otherCa: CertPair;
let serving: CertPair;
const servers: Server[] = [];

beforeAll(() => {
  ca = createCA({ commonName: 'graphdata-tls-test-ca' });
  otherCa = createCA({ commonName: 'graphdata-tls-other-ca' });
  serving = issueCert({
    ca,
    commonName: 'graphdata-webhook',
    usage: 'server',
    ...splitSans([...webhookSans('graphdata-webhook', 'graphdata-system'), ...localSans]),
  });
}, 30_000); // four RSA keys take a while on a busy machine

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function serve(pair: CertPair): Promise<number> {
  const server = createServer({ cert: pair.certPem, key: pair.keyPem }, (_req, res) => res.end('ok'));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Resolves with the body, rejects with the TLS error code (e.g. ERR_TLS_CERT_ALTNAME_INVALID). */
function get(port: number, caPem: string, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, ca: caPem, agent: false, ...(servername ? { servername } : {}) },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ?? err.message)));
    req.end();
  });
}

describe('https with an issued serving cert', () => {
  it('is accepted for host 127.0.0.1 with the CA as the only trust anchor', async () => {
    expect(await get(await serve(serving), ca.certPem)).toBe('ok');
  });

  it('is accepted under the Service DNS name the apiserver dials', async () => {
    expect(await get(await serve(serving), ca.certPem, 'graphdata-webhook.graphdata-system.svc')).toBe('ok');
  });

  it('is rejected for a name it does not carry', async () => {
    await expect(get(await serve(serving), ca.certPem, 'other.graphdata-system.svc')).rejects.toThrow(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });

  it('is rejected when the client trusts a different CA', async () => {
    await expect(get(await serve(serving), otherCa.certPem)).rejects.toThrow('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('fails verification when the cert has only a Common Name and no SAN', async () => {
    // issueCert refuses to build this, so sign one by hand.
    await expect(get(await serve(commonNameOnlyCert(ca, '127.0.0.1')), ca.certPem)).rejects.toThrow(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
  });
});
