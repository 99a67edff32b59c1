import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CertPair,
  caBundle,
  createCA,
  inspectCert,
  issueCert,
  localSans,
  needsRotation,
  splitSans,
  verifyChain,
  webhookSans,
} from '../../../certs/pki.js';

const DAY = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

// RSA generation dominates the run time, so the fixtures are made once per file.
let ca: CertPair;
let otherCa: CertPair;
let serving: CertPair;

beforeAll(() => {
  ca = createCA({ commonName: 'graphdata-test-ca' });
  otherCa = createCA({ commonName: 'graphdata-other-ca' });
  serving = issueCert({
    ca,
    commonName: 'graphdata-webhook',
    usage: 'server',
    ...splitSans([...webhookSans('graphdata-webhook', 'graphdata-system'), ...localSans]),
  });
});

describe('webhookSans / localSans', () => {
  it('lists the four names the apiserver may dial, and the loopback names', () => {
    expect(webhookSans('wh', 'ns')).toEqual(['wh', 'wh.ns', 'wh.ns.svc', 'wh.ns.svc.cluster.local']);
    expect(splitSans(localSans)).toEqual({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  });
});

describe('createCA', () => {
  it('is a CA with a subject key identifier and a 10-year default lifetime', () => {
    const info = inspectCert(ca.certPem);
    expect(info).toMatchObject({
      isCA: true,
      keyType: 'rsa',
      keyBits: 2048,
      subject: 'CN=graphdata-test-ca',
      issuer: 'CN=graphdata-test-ca',
    });
    expect(info.notAfter.getTime() - info.notBefore.getTime()).toBeGreaterThanOrEqual(3650 * DAY);
    expect(new X509Certificate(ca.certPem).toLegacyObject().ext_key_usage).toBeUndefined();
    expect(verifyChain(ca.certPem, ca.certPem).valid).toBe(true); // self-signed
  });

  it('refuses RSA keys below 2048 bits', () => {
    expect(() => createCA({ commonName: 'weak', keyBits: 1024 })).toThrow(/at least 2048 bits/);
  });
});

describe('issueCert', () => {
  it('puts every requested SAN into the serving cert', () => {
    const info = inspectCert(serving.certPem);
    expect(info.dnsNames).toEqual([
      'graphdata-webhook',
      'graphdata-webhook.graphdata-system',
      'graphdata-webhook.graphdata-system.svc',
      'graphdata-webhook.graphdata-system.svc.cluster.local',
      'localhost',
    ]);
    expect(info.ipAddresses).toEqual(['127.0.0.1']);
    expect(info).toMatchObject({ isCA: false, issuer: 'CN=graphdata-test-ca', subject: 'CN=graphdata-webhook' });
  });

  it('uses a key of at least 2048 bits and refuses smaller ones', () => {
    expect(inspectCert(serving.certPem).keyBits).toBeGreaterThanOrEqual(2048);
    expect(new X509Certificate(serving.certPem).checkPrivateKey(createPrivateKey(serving.keyPem))).toBe(true);
    expect(() => issueCert({ ca, commonName: 'x', dnsNames: ['x'], usage: 'server', keyBits: 1024 })).toThrow(
      /too small: at least 2048/,
    );
  });

  it('verifies against its CA and not against another CA', () => {
    expect(verifyChain(serving.certPem, ca.certPem)).toMatchObject({ valid: true });
    expect(verifyChain(serving.certPem, otherCa.certPem)).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/not the issuer/),
    });
    expect(verifyChain(serving.certPem, [otherCa.certPem, ca.certPem])).toMatchObject({ valid: true });
    // Same issuer name but a different key: must fail on the key identifier or signature.
    const impostor = createCA({ commonName: 'graphdata-test-ca' });
    expect(verifyChain(serving.certPem, impostor.certPem).valid).toBe(false);
  });

  it('links the authority key identifier to the CA and signs with SHA-256', () => {
    const leaf = new X509Certificate(serving.certPem);
    expect(leaf.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(leaf.toLegacyObject().ext_key_usage).toEqual([SERVER_AUTH]);
    expect(forge.pki.certificateFromPem(serving.certPem).siginfo.algorithmOid).toBe(
      forge.pki.oids.sha256WithRSAEncryption,
    );
    // 16 bytes, high bit clear (Go rejects negative serials), no leading zero byte (non-minimal DER).
    expect(inspectCert(serving.certPem).serial).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/);
  });

  it('gives distinct random serials', () => {
    const a = issueCert({ ca, commonName: 'a', dnsNames: ['a'], usage: 'server' });
    expect(inspectCert(a.certPem).serial).not.toBe(inspectCert(serving.certPem).serial);
  });

  it('issues client certs with clientAuth and organizations as O', () => {
    const client = issueCert({ ca, commonName: 'alice', organizations: ['system:masters'], usage: 'client' });
    expect(inspectCert(client.certPem).subject).toBe('CN=alice, O=system:masters');
    expect(new X509Certificate(client.certPem).toLegacyObject().ext_key_usage).toEqual([CLIENT_AUTH]);
  });

  it('refuses a server cert without SANs, a non-CA issuer and a mismatched CA key', () => {
    expect(() => issueCert({ ca, commonName: 'only-cn', usage: 'server' })).toThrow(/at least one DNS name or IP/);
    expect(() => issueCert({ ca: serving, commonName: 'x', dnsNames: ['x'], usage: 'server' })).toThrow(/not a CA/);
    expect(() =>
      issueCert({
        ca: { certPem: ca.certPem, keyPem: otherCa.keyPem },
        commonName: 'x',
        dnsNames: ['x'],
        usage: 'server',
      }),
    ).toThrow(/does not match/);
  });

  it('never outlives its CA', () => {
    const shortCa = createCA({ commonName: 'short-ca', validityDays: 10 });
    const leaf = issueCert({ ca: shortCa, commonName: 'x', dnsNames: ['x'], usage: 'server', validityDays: 365 });
    expect(inspectCert(leaf.certPem).notAfter.getTime()).toBe(inspectCert(shortCa.certPem).notAfter.getTime());
  });
});

describe('needsRotation', () => {
  it('is false for a fresh cert and names the renewal time', () => {
    const decision = needsRotation(serving.certPem);
    expect(decision.rotate).toBe(false);
    const { notAfter } = inspectCert(serving.certPem);
    // Default window: the last third of a 365-day lifetime.
    expect((notAfter.getTime() - decision.renewAt.getTime()) / DAY).toBeCloseTo(365 / 3, 0);
  });

  it('is true inside the renewal window, after expiry and before notBefore', () => {
    const { notBefore, notAfter } = inspectCert(serving.certPem);
    expect(needsRotation(serving.certPem, new Date(notAfter.getTime() - 30 * DAY))).toMatchObject({
      rotate: true,
      reason: expect.stringMatching(/days left/),
    });
    expect(needsRotation(serving.certPem, new Date(notAfter.getTime() + 1000))).toMatchObject({
      rotate: true,
      reason: expect.stringMatching(/expired/),
    });
    expect(needsRotation(serving.certPem, new Date(notBefore.getTime() - 1000))).toMatchObject({
      rotate: true,
      reason: expect.stringMatching(/not valid before/),
    });
  });

  it('takes a fixed duration instead of a fraction, and rejects a window as long as the lifetime', () => {
    const { notAfter } = inspectCert(serving.certPem);
    const sixtyDaysLeft = new Date(notAfter.getTime() - 60 * DAY);
    expect(needsRotation(serving.certPem, sixtyDaysLeft, { ms: 30 * DAY }).rotate).toBe(false);
    expect(needsRotation(serving.certPem, sixtyDaysLeft, { ms: 90 * DAY }).rotate).toBe(true);
    expect(() => needsRotation(serving.certPem, new Date(), { ms: 400 * DAY })).toThrow(
      /shorter than the certificate lifetime/,
    );
    expect(() => needsRotation(serving.certPem, new Date(), { fraction: 1 })).toThrow(/between 0 and 1/);
  });
});

describe('caBundle', () => {
  it('keeps old and new CA during a rollover and drops duplicates', () => {
    const bundle = caBundle(ca.certPem, otherCa.certPem, ca.certPem, `${otherCa.certPem}\n${ca.certPem}`);
    const certs = bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(certs).toHaveLength(2);
    expect(bundle.indexOf('\n-----BEGIN')).toBeGreaterThan(0); // one PEM after the other
    expect(verifyChain(serving.certPem, bundle).valid).toBe(true);
    expect(caBundle(ca.certPem)).toBe(caBundle(ca.certPem, ca.certPem));
  });

  it('refuses a leaf certificate', () => {
    expect(() => caBundle(ca.certPem, serving.certPem)).toThrow(/not a CA certificate/);
  });
});
