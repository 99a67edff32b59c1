// Serving certificates as `npm start` runs them: development certificates it makes
// itself, and supplied ones (--cert-dir, --tls-cert/--tls-key) it serves as they are,
// never writes, and reloads when they change, as plain files or as a Secret volume.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CertPair, inspectCert } from '../../../certs/pki.js';
import { writeFileAtomic } from '../../../certs/store.js';
import {
  newCA,
  SecretVolume,
  SERVICE_SANS,
  servedSerial,
  servingPair,
  snapshot,
  within,
} from '../../support/cert-dirs.js';
import { startWebhook, WEBHOOK_MAIN } from '../../support/spawn-webhook.js';
import { admissionReview, httpsCall, postJson } from '../../support/webhook-client.js';
import { sparkExecutorPod } from '../../fixtures/pods.js';

const SVC = 'graphdata.graphdata-system.svc';
const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `gd-${name}-`));

/** A folder like a kubernetes.io/tls Secret plus ca.crt, for the in-cluster name only, no ca.key. */
function suppliedDir(ca: CertPair, serving: CertPair): string {
  const dir = join(tempDir('supplied'), 'tls');
  mkdirSync(dir, { mode: 0o755 });
  writeFileSync(join(dir, 'ca.crt'), ca.certPem);
  writeFileSync(join(dir, 'tls.crt'), serving.certPem);
  writeFileSync(join(dir, 'tls.key'), serving.keyPem);
  chmodSync(join(dir, 'tls.key'), 0o640); // not our 0600: must stay as given
  return dir;
}

function startFails(args: string[]) {
  const run = spawnSync(process.execPath, [WEBHOOK_MAIN, '--port', '0', ...args], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('supplied certificates', { timeout: 60_000 }, () => {
  it('--cert-dir serves exactly what is there and leaves the folder byte-for-byte unchanged', async () => {
    const ca = newCA();
    const serving = servingPair(ca, SERVICE_SANS); // no localhost SAN and no ca.key: still used as is
    const dir = suppliedDir(ca, serving);
    const before = snapshot(dir);
    const webhook = await startWebhook(['--port', '0', '--cert-dir', dir, '--drain', '0s']);
    try {
      expect(await servedSerial(webhook.url, ca.certPem, SVC)).toBe(inspectCert(serving.certPem).serial);
      const reply = await httpsCall(`${webhook.url}/mutate`, ca.certPem, {
        method: 'POST',
        body: JSON.stringify(admissionReview(sparkExecutorPod())),
        headers: { 'content-type': 'application/json' },
        servername: SVC,
      });
      expect(reply.json().response.patchType).toBe('JSONPatch');
      await new Promise((r) => setTimeout(r, 300)); // give a stray write time to land
    } finally {
      expect(await webhook.stop()).toBe(0);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('--tls-cert/--tls-key serve files from anywhere, untouched', async () => {
    const ca = newCA();
    const serving = servingPair(ca, ['localhost', '127.0.0.1']);
    const dir = tempDir('pair');
    writeFileSync(join(dir, 'server.pem'), serving.certPem);
    writeFileSync(join(dir, 'server-key.pem'), serving.keyPem);
    const before = snapshot(dir);
    const webhook = await startWebhook([
      '--port',
      '0',
      '--tls-cert',
      join(dir, 'server.pem'),
      '--tls-key',
      join(dir, 'server-key.pem'),
      '--drain',
      '0s',
    ]);
    try {
      expect(await servedSerial(webhook.url, ca.certPem)).toBe(inspectCert(serving.certPem).serial);
    } finally {
      expect(await webhook.stop()).toBe(0);
    }
    expect(snapshot(dir)).toEqual(before);
  });

  it('refuses to start on an unusable folder, naming the file and why, and writes nothing', () => {
    const ca = newCA();
    const good = servingPair(ca, SERVICE_SANS);
    const other = servingPair(ca, SERVICE_SANS);
    const expired = servingPair(ca, SERVICE_SANS, {
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      validityDays: 2,
    });

    const missing = join(tempDir('missing'), 'tls');
    mkdirSync(missing);
    const mismatched = suppliedDir(ca, { certPem: good.certPem, keyPem: other.keyPem });
    const old = suppliedDir(ca, expired);
    const notPem = suppliedDir(ca, good);
    writeFileSync(join(notPem, 'tls.crt'), 'hello\n');

    const cases: [string, RegExp][] = [
      [missing, new RegExp(`${join(missing, 'tls.crt')}: no such file`)],
      [mismatched, new RegExp(`${join(mismatched, 'tls.key')}: is not the key of ${join(mismatched, 'tls.crt')}`)],
      [old, new RegExp(`${join(old, 'tls.crt')}: expired at \\d{4}-`)],
      [notPem, new RegExp(`${join(notPem, 'tls.crt')}: holds no PEM certificate`)],
    ];
    for (const [dir, message] of cases) {
      const before = snapshot(dir);
      const run = startFails(['--cert-dir', dir]);
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('never rewritten');
      expect(snapshot(dir)).toEqual(before);
    }
  });

  it('rejects mixed certificate flags as usage errors', () => {
    expect(startFails(['--cert-dir', '/x', '--tls-cert', '/a', '--tls-key', '/b']).status).toBe(2);
    expect(startFails(['--tls-cert', '/a']).stderr).toContain('--tls-cert and --tls-key go together');
    expect(startFails(['--dev-cert-dir', '/x', '--cert-dir', '/y']).status).toBe(2);
  });
});

describe('reload without a restart', { timeout: 60_000 }, () => {
  it('picks up a rename and an in-place rewrite of plain files, skipping a half-written pair', async () => {
    const ca = newCA();
    const first = servingPair(ca, ['127.0.0.1']);
    const dir = suppliedDir(ca, first);
    const webhook = await startWebhook(['--port', '0', '--cert-dir', dir, '--drain', '0s']);
    try {
      // Rename: what writeFileAtomic, cert-manager's csi driver and most tools do.
      const second = servingPair(ca, ['127.0.0.1']);
      await writeFileAtomic(join(dir, 'tls.key'), second.keyPem, 0o640);
      await writeFileAtomic(join(dir, 'tls.crt'), second.certPem, 0o644);
      const secondSerial = inspectCert(second.certPem).serial;
      await within(
        2_000,
        'renamed pair served',
        async () => (await servedSerial(webhook.url, ca.certPem)) === secondSerial,
      );

      // In place, cert first: for a moment tls.crt and tls.key do not match.
      const third = servingPair(ca, ['127.0.0.1']);
      writeFileSync(join(dir, 'tls.crt'), third.certPem);
      await new Promise((r) => setTimeout(r, 300));
      expect(await servedSerial(webhook.url, ca.certPem)).toBe(secondSerial); // the mismatched pair was not served
      writeFileSync(join(dir, 'tls.key'), third.keyPem);
      const thirdSerial = inspectCert(third.certPem).serial;
      await within(
        2_000,
        'rewritten pair served',
        async () => (await servedSerial(webhook.url, ca.certPem)) === thirdSerial,
      );
      expect(webhook.logs()).toContain('certificate reload skipped');
      expect(webhook.logs()).toMatch(/tls\.key: is not the key of/);
    } finally {
      expect(await webhook.stop()).toBe(0);
    }
  });

  it("follows a Secret volume's ..data symlink swap, and exports the expiry", async () => {
    const ca = newCA();
    const volume = new SecretVolume(join(tempDir('secret'), 'tls'));
    const first = servingPair(ca, ['127.0.0.1'], { validityDays: 30 });
    volume.write({ 'ca.crt': ca.certPem, 'tls.crt': first.certPem, 'tls.key': first.keyPem });
    const webhook = await startWebhook(['--port', '0', '--cert-dir', volume.dir, '--drain', '0s']);
    const expiry = async () => {
      const text = (await httpsCall(`${webhook.url}/metrics`, ca.certPem)).body;
      return Number(/^graphdata_certificate_expiry_seconds (\S+)$/m.exec(text)?.[1]);
    };
    try {
      expect(await expiry()).toBe(inspectCert(first.certPem).notAfter.getTime() / 1000);
      const second = servingPair(ca, ['127.0.0.1'], { validityDays: 90 });
      volume.write({ 'ca.crt': ca.certPem, 'tls.crt': second.certPem, 'tls.key': second.keyPem });
      const serial = inspectCert(second.certPem).serial;
      await within(2_000, '..data swap served', async () => (await servedSerial(webhook.url, ca.certPem)) === serial);
      expect(await expiry()).toBe(inspectCert(second.certPem).notAfter.getTime() / 1000);
      const reply = await postJson(`${webhook.url}/mutate`, ca.certPem, admissionReview(sparkExecutorPod()));
      expect(reply.status).toBe(200);
    } finally {
      expect(await webhook.stop()).toBe(0);
    }
  });
});
