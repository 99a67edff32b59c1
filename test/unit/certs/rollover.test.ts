import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createCA,
  inspectCert,
  issueCert,
  splitPemCerts,
  splitSans,
  verifyChain,
  type CertPair,
} from '../../../certs/pki.js';
import {
  bundleTrusts,
  generateWebhookCerts,
  newServing,
  planRotation,
  servingSans,
  settledBundle,
  type WebhookCerts,
} from '../../../certs/rollover.js';

// RSA 3072 CA keys take seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const DAY = 86_400_000;
const id = { service: 'graphdata-webhook', namespace: 'graphdata-system' };
let certs: WebhookCerts;

beforeAll(() => {
  certs = generateWebhookCerts(id);
});

const fingerprints = (bundle: string) => splitPemCerts(bundle).map((x) => x.fingerprint256);

describe('generateWebhookCerts', () => {
  it('CA RSA 3072 for 5 years; serving RSA 2048 for 1 year with the four Service SANs', () => {
    const ca = inspectCert(certs.ca.certPem);
    expect(ca).toMatchObject({ isCA: true, keyBits: 3072 });
    expect(Math.round((ca.notAfter.getTime() - Date.now()) / DAY)).toBe(1826);
    const serving = inspectCert(certs.serving.certPem);
    expect(serving).toMatchObject({ isCA: false, keyBits: 2048 });
    expect(serving.dnsNames).toEqual([
      'graphdata-webhook',
      'graphdata-webhook.graphdata-system',
      'graphdata-webhook.graphdata-system.svc',
      'graphdata-webhook.graphdata-system.svc.cluster.local',
    ]);
    expect(Math.round((serving.notAfter.getTime() - Date.now()) / DAY)).toBe(365);
    expect(verifyChain(certs.serving.certPem, certs.bundle).valid).toBe(true);
  });

  it('extra SANs (a webhook outside the cluster) are added', () => {
    expect(servingSans({ ...id, extraSans: ['localhost', '127.0.0.1'] })).toHaveLength(6);
  });
});

describe('planRotation', () => {
  it('keeps a healthy pair and bundle', () => {
    const plan = planRotation({ ca: certs.ca, serving: certs.serving, bundle: certs.bundle }, id);
    expect(plan).toMatchObject({ caRotated: false, servingRotated: false, bundleChanged: false, reasons: [] });
    expect(plan.serving).toBe(certs.serving);
  });

  it('renews the serving cert in its last third of life, from the same CA', () => {
    const inTwoHundredFiftyDays = new Date(Date.now() + 250 * DAY);
    const plan = planRotation({ ca: certs.ca, serving: certs.serving, bundle: certs.bundle }, id, {
      now: inTwoHundredFiftyDays,
    });
    expect(plan.servingRotated).toBe(true);
    expect(plan.caRotated).toBe(false);
    expect(plan.reasons[0]).toMatch(/serving certificate: expires .* renewal was due/);
    expect(plan.bundleChanged).toBe(false);
  });

  it('does not renew at two thirds of life left', () => {
    const plan = planRotation({ ca: certs.ca, serving: certs.serving, bundle: certs.bundle }, id, {
      now: new Date(Date.now() + 100 * DAY),
    });
    expect(plan.servingRotated).toBe(false);
  });

  it('re-issues a serving cert that lacks a SAN or does not match its key', () => {
    const sanless = issueCert({ ca: certs.ca, commonName: 'x', usage: 'server', ...splitSans(['localhost']) });
    expect(planRotation({ ca: certs.ca, serving: sanless, bundle: certs.bundle }, id).reasons[0]).toMatch(
      /lacks SAN graphdata-webhook/,
    );
    const mismatched = { certPem: certs.serving.certPem, keyPem: sanless.keyPem };
    expect(planRotation({ ca: certs.ca, serving: mismatched, bundle: certs.bundle }, id).reasons[0]).toMatch(
      /key does not match/,
    );
  });

  it('CA rollover: a new CA and serving cert, and a bundle with old and new CA', () => {
    const plan = planRotation({ ca: certs.ca, serving: certs.serving, bundle: certs.bundle }, id, { forceCa: true });
    expect(plan).toMatchObject({ caRotated: true, servingRotated: true, bundleChanged: true });
    expect(fingerprints(plan.bundle)).toEqual([
      inspectCert(plan.ca.certPem).fingerprintSha256,
      inspectCert(certs.ca.certPem).fingerprintSha256,
    ]);
    // The old serving cert (still live) and the new one are both trusted by the bundle.
    expect(bundleTrusts(plan.bundle, certs.serving.certPem)).toBe(true);
    expect(bundleTrusts(plan.bundle, plan.serving.certPem)).toBe(true);
  });

  it('a CA in its last third of life is replaced', () => {
    const plan = planRotation({ ca: certs.ca, serving: certs.serving, bundle: certs.bundle }, id, {
      now: new Date(Date.now() + 1300 * DAY),
    });
    expect(plan.caRotated).toBe(true);
  });

  it('nothing at all: everything generated', () => {
    const plan = planRotation({}, id);
    expect(plan).toMatchObject({ caRotated: true, servingRotated: true, bundleChanged: true });
    expect(fingerprints(plan.bundle)).toHaveLength(1);
  });

  it('a bundle missing the current CA is due for a patch', () => {
    const other = createCA({ commonName: 'other' });
    const plan = planRotation({ ca: certs.ca, serving: certs.serving, bundle: other.certPem }, id);
    expect(plan.bundleChanged).toBe(true);
    expect(plan.servingRotated).toBe(false);
    expect(bundleTrusts(plan.bundle, certs.serving.certPem)).toBe(true);
  });
});

describe('settledBundle', () => {
  let newCa: CertPair;
  let newLeaf: CertPair;
  beforeAll(() => {
    newCa = createCA({ commonName: 'graphdata-webhook-ca-2' });
    newLeaf = newServing(newCa, id);
  });

  it('keeps the old CA while a replica still serves a cert it signed', () => {
    const bundle = `${newCa.certPem}${certs.ca.certPem}`;
    expect(fingerprints(settledBundle(bundle, newCa.certPem, [certs.serving.certPem, newLeaf.certPem]))).toHaveLength(
      2,
    );
  });

  it('drops the old CA once every live cert is from the new one', () => {
    const bundle = `${newCa.certPem}${certs.ca.certPem}`;
    expect(fingerprints(settledBundle(bundle, newCa.certPem, [newLeaf.certPem]))).toEqual([
      inspectCert(newCa.certPem).fingerprintSha256,
    ]);
  });
});
