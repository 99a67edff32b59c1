import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCA, inspectCert, issueCert, localSans, verifyChain, webhookSans } from '../../../certs/pki.js';
import { ensureDevCerts, writeFileAtomic } from '../../../certs/store.js';

const DAY = 86_400_000;
const dirs: string[] = [];

async function freshDir(): Promise<string> {
  const parent = await mkdtemp(join(tmpdir(), 'graphdata-certs-'));
  dirs.push(parent);
  return join(parent, 'dev'); // not yet created: ensureDevCerts must create it
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

// RSA key generation takes seconds when the machine is busy.
describe('ensureDevCerts', { timeout: 30_000 }, () => {
  it('creates the CA and serving cert with 0600 keys in a 0700 dir, and a second call generates nothing', async () => {
    const dir = await freshDir();
    const sans = [...webhookSans('graphdata-webhook', 'graphdata-system'), ...localSans];
    const first = await ensureDevCerts(dir, { sans });
    expect(first).toMatchObject({ generated: true, caGenerated: true });
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(first.paths.caKey)).toBe(0o600);
    expect(await mode(first.paths.key)).toBe(0o600);
    expect(await mode(first.paths.cert)).toBe(0o644);
    expect(inspectCert(first.certPem).dnsNames).toEqual(sans.filter((s) => s !== '127.0.0.1'));
    expect(verifyChain(first.certPem, first.caPem).valid).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']); // no temp files left

    const second = await ensureDevCerts(dir, { sans });
    expect(second).toMatchObject({ generated: false, caGenerated: false, reasons: [] });
    expect(second.certPem).toBe(first.certPem);
    expect(second.caPem).toBe(first.caPem);
  });

  it('reissues the serving cert, keeping the CA, when a requested SAN is missing', async () => {
    const dir = await freshDir();
    const first = await ensureDevCerts(dir, { sans: ['localhost'] });
    const second = await ensureDevCerts(dir, { sans: ['localhost', '127.0.0.1'] });
    expect(second).toMatchObject({ generated: true, caGenerated: false, reasons: ['serving: lacks SAN 127.0.0.1'] });
    expect(second.caPem).toBe(first.caPem);
    expect(inspectCert(second.certPem).ipAddresses).toEqual(['127.0.0.1']);
    // A subset of what the cert has is fine: no churn.
    expect((await ensureDevCerts(dir, { sans: ['127.0.0.1'] })).generated).toBe(false);
  });

  it('reissues an expired serving cert and one inside its renewal window', async () => {
    const dir = await freshDir();
    const first = await ensureDevCerts(dir, { sans: ['localhost'] });
    const ca = { certPem: first.caPem, keyPem: await readFile(first.paths.caKey, 'utf8') };
    const expired = issueCert({
      ca,
      commonName: 'localhost',
      dnsNames: ['localhost'],
      usage: 'server',
      notBefore: new Date(Date.now() - 400 * DAY),
    });
    await writeFile(first.paths.cert, expired.certPem);
    await writeFile(first.paths.key, expired.keyPem);
    const second = await ensureDevCerts(dir, { sans: ['localhost'] });
    expect(second.reasons).toEqual([expect.stringMatching(/^serving: expired/)]);

    const inWindow = await ensureDevCerts(dir, { sans: ['localhost'], now: new Date(Date.now() + 300 * DAY) });
    expect(inWindow.reasons).toEqual([expect.stringMatching(/^serving: .*days left/)]);
  });

  it('replaces a CA due for rotation, reissues the serving cert and bundles old and new CA', async () => {
    const dir = await freshDir();
    const first = await ensureDevCerts(dir, { sans: ['localhost'], caValidityDays: 30 });
    const second = await ensureDevCerts(dir, { sans: ['localhost'], now: new Date(Date.now() + 25 * DAY) });
    expect(second).toMatchObject({
      caGenerated: true,
      reasons: [expect.stringMatching(/^ca: /), 'serving: CA was regenerated'],
    });
    expect(second.caPem).not.toBe(first.caPem);
    // Clients still holding the old serving cert and the new one both verify against the bundle.
    expect(verifyChain(first.certPem, second.caBundlePem).valid).toBe(true);
    expect(verifyChain(second.certPem, second.caBundlePem).valid).toBe(true);
  });

  it('regenerates garbage and a key that does not match its cert instead of crashing', async () => {
    const dir = await freshDir();
    const first = await ensureDevCerts(dir, { sans: ['localhost'] });
    const stranger = createCA({ commonName: 'stranger' });
    await writeFile(first.paths.key, stranger.keyPem);
    expect((await ensureDevCerts(dir, { sans: ['localhost'] })).reasons).toEqual([
      'serving: tls.key does not match tls.crt',
    ]);
    await writeFile(first.paths.caCert, 'not a certificate');
    expect((await ensureDevCerts(dir, { sans: ['localhost'] })).reasons[0]).toMatch(/^ca: unreadable/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole, with the requested mode even over a looser existing file', async () => {
    const dir = await freshDir();
    await ensureDevCerts(dir, { sans: ['localhost'] });
    const path = join(dir, 'secret');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeFileAtomic(path, 'new', 0o600);
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await mode(path)).toBe(0o600);
  });
});
