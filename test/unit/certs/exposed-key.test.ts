// A supplied private key that its group or others can read is served, but said: at start
// (the log), in GET /version, and so by `kubectl graphdata doctor`.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert } from '../../../certs/pki.js';
import { exposedKeyWarning } from '../../../certs/store.js';
import { buildServer } from '../../../webhook/server.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { staticPolicyStore } from '../../support/policy-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gd-key-mode-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('exposedKeyWarning', () => {
  it.each([
    [0o600, undefined],
    [0o400, undefined],
    [0o640, /readable by its group \(mode 0640\)/],
    [0o644, /readable by its group and others \(mode 0644\)/],
    [0o604, /readable by others \(mode 0604\)/],
  ])('mode %s', async (mode, expected) => {
    const key = join(dir, `tls-${mode.toString(8)}.key`);
    await writeFile(key, 'x');
    await chmod(key, mode);
    const warning = await exposedKeyWarning(key);
    if (expected === undefined) expect(warning).toBeUndefined();
    else {
      expect(warning).toMatch(expected);
      expect(warning).toContain(key);
      expect(warning).toMatch(/chmod 600/);
    }
  });

  it('a file that cannot be read is not this check’s business (reading it fails loudly elsewhere)', async () => {
    expect(await exposedKeyWarning(join(dir, 'missing.key'))).toBeUndefined();
  });
});

describe('GET /version', () => {
  it('carries the start-up warnings, for doctor; none when there are none', async () => {
    const ca = createCA({ commonName: 'key-mode-ca' });
    const pair = issueCert({ ca, commonName: 'localhost', usage: 'server', dnsNames: ['localhost'] });
    const tls = { cert: pair.certPem, key: pair.keyPem };
    const policies = staticPolicyStore(defaultPolicy());
    const warned = buildServer({ tls, policies, logger: false, warnings: ['private key k is readable by others'] });
    const plain = buildServer({ tls, policies, logger: false });
    try {
      const body = (await warned.app.inject({ method: 'GET', url: '/version' })).json();
      expect(body.warnings).toEqual(['private key k is readable by others']);
      expect((await plain.app.inject({ method: 'GET', url: '/version' })).json()).not.toHaveProperty('warnings');
    } finally {
      await warned.app.close();
      await plain.app.close();
    }
  });
});
