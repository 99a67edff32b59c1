// The webhook's in-cluster certificates: what to generate, when to renew, and which
// CAs the caBundle must hold. Pure: callers (the plugin's `certs`/`install`, the
// self-managed leader in the webhook) read and write Secrets and files.
//
// Rollover order, the one invariant: a caBundle is published before the serving cert it
// must trust is stored, and a CA leaves the bundle only when no live serving cert
// needs it. So no replica ever serves a certificate the apiserver does not trust.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  type CertPair,
  caBundle,
  canonicalIp,
  createCA,
  inspectCert,
  issueCert,
  needsRotation,
  splitPemCerts,
  splitSans,
  verifyChain,
  webhookSans,
} from './pki.js';

export const CA_VALIDITY_DAYS = 5 * 365 + 1;
export const CA_KEY_BITS = 3072;
export const SERVING_VALIDITY_DAYS = 365;
export const SERVING_KEY_BITS = 2048;
export const CA_COMMON_NAME = 'graphdata-webhook-ca';

export interface WebhookIdentity {
  service: string;
  namespace: string;
  /** More SANs, e.g. localhost/127.0.0.1 for a webhook run outside the cluster. */
  extraSans?: readonly string[];
}

export interface WebhookCerts {
  ca: CertPair;
  serving: CertPair;
  /** PEM bundle for the webhook configurations' caBundle. */
  bundle: string;
}

/** The SANs the serving cert carries: the four Service names, then the extras. */
export function servingSans(id: WebhookIdentity): string[] {
  return [...new Set([...webhookSans(id.service, id.namespace), ...(id.extraSans ?? [])])];
}

export function newCA(now?: Date): CertPair {
  return createCA({
    commonName: CA_COMMON_NAME,
    validityDays: CA_VALIDITY_DAYS,
    keyBits: CA_KEY_BITS,
    ...(now ? { notBefore: new Date(now.getTime() - 5 * 60_000) } : {}),
  });
}

export function newServing(ca: CertPair, id: WebhookIdentity, validityDays = SERVING_VALIDITY_DAYS): CertPair {
  const sans = servingSans(id);
  return issueCert({
    ca,
    commonName: sans[2] ?? sans[0]!,
    ...splitSans(sans),
    usage: 'server',
    validityDays,
    keyBits: SERVING_KEY_BITS,
  });
}

/** A fresh CA (RSA 3072, 5 years) and serving cert (RSA 2048, 1 year) for the Service. */
export function generateWebhookCerts(id: WebhookIdentity): WebhookCerts {
  const ca = newCA();
  return { ca, serving: newServing(ca, id), bundle: caBundle(ca.certPem) };
}

export interface CurrentCerts {
  ca?: Partial<CertPair> | undefined;
  serving?: Partial<CertPair> | undefined;
  /** The caBundle the webhook configurations carry now (may hold an old CA). */
  bundle?: string | undefined;
}

export interface RotationOptions {
  now?: Date;
  /** Issue a new serving cert even if the current one is fine. */
  force?: boolean;
  /** Replace the CA too (and so the serving cert). */
  forceCa?: boolean;
}

export interface RotationPlan {
  ca: CertPair;
  serving: CertPair;
  caRotated: boolean;
  servingRotated: boolean;
  /**
   * The bundle to publish before storing `serving`: the current CA plus every CA of the
   * old bundle that is still valid, so the serving cert still live keeps being trusted.
   */
  bundle: string;
  /** Whether `bundle` differs from the one given (a patch of the webhook configurations is due). */
  bundleChanged: boolean;
  /** Why anything changes; empty when nothing does. */
  reasons: string[];
}

/**
 * What to do now: keep what is usable, renew what is missing, broken, or in its last
 * third of life (the CA too: a 5-year CA renews after about 3 years 4 months).
 */
export function planRotation(current: CurrentCerts, id: WebhookIdentity, opts: RotationOptions = {}): RotationPlan {
  const now = opts.now ?? new Date();
  const reasons: string[] = [];
  const caIssue = opts.forceCa ? 'replacement requested' : caProblem(current.ca, now);
  let ca = current.ca as CertPair;
  if (caIssue) {
    reasons.push(`CA: ${caIssue}`);
    ca = newCA();
  }
  const servingIssue = caIssue
    ? 'the CA is new'
    : opts.force
      ? 'renewal requested'
      : servingProblem(current.serving, ca, servingSans(id), now);
  let serving = current.serving as CertPair;
  if (servingIssue) {
    reasons.push(`serving certificate: ${servingIssue}`);
    serving = newServing(ca, id);
  }
  const bundle = caBundle(ca.certPem, ...validCAs(current.bundle ?? '', now), ...validCAs(current.ca?.certPem, now));
  const bundleChanged = !sameBundle(bundle, current.bundle ?? '');
  if (bundleChanged && !caIssue) reasons.push('caBundle: does not hold the current CA (or holds expired ones)');
  return {
    ca,
    serving,
    caRotated: Boolean(caIssue),
    servingRotated: Boolean(servingIssue),
    bundle,
    bundleChanged,
    reasons,
  };
}

/**
 * The bundle once `liveServing` (the certs the replicas actually serve) is known: the
 * current CA plus any CA that still signs a live cert; everything else is dropped.
 */
export function settledBundle(
  bundle: string,
  currentCaPem: string,
  liveServing: readonly string[],
  now = new Date(),
): string {
  const keep = validCAs(bundle, now).filter((ca) => liveServing.some((leaf) => verifyChain(leaf, ca, now).valid));
  return caBundle(currentCaPem, ...keep);
}

/** Does `bundle` trust `certPem` (signed by one of its CAs, both valid now)? */
export function bundleTrusts(bundle: string, certPem: string, now = new Date()): boolean {
  try {
    return verifyChain(certPem, bundle, now).valid;
  } catch {
    return false;
  }
}

/** Why the CA pair cannot be kept, or undefined. */
export function caProblem(ca: Partial<CertPair> | undefined, now: Date): string | undefined {
  if (!ca?.certPem || !ca.keyPem) return 'missing';
  return guard(() => {
    if (!inspectCert(ca.certPem!).isCA) return 'not a CA certificate';
    if (!keyMatches(ca as CertPair)) return 'the key does not match the certificate';
    const rotation = needsRotation(ca.certPem!, now);
    return rotation.rotate ? rotation.reason : undefined;
  });
}

/** Why the serving pair cannot be kept, or undefined. */
export function servingProblem(
  serving: Partial<CertPair> | undefined,
  ca: CertPair,
  sans: readonly string[],
  now: Date,
): string | undefined {
  if (!serving?.certPem || !serving.keyPem) return 'missing';
  return guard(() => {
    if (!keyMatches(serving as CertPair)) return 'the key does not match the certificate';
    const rotation = needsRotation(serving.certPem!, now);
    if (rotation.rotate) return rotation.reason;
    const chain = verifyChain(serving.certPem!, ca.certPem, now);
    if (!chain.valid) return `not signed by the CA (${chain.reason})`;
    const missing = missingSans(serving.certPem!, sans);
    return missing.length ? `lacks SAN ${missing.join(', ')}` : undefined;
  });
}

export function missingSans(certPem: string, sans: readonly string[]): string[] {
  const info = inspectCert(certPem);
  const have = new Set([...info.dnsNames.map((d) => d.toLowerCase()), ...info.ipAddresses]);
  const { dnsNames, ipAddresses } = splitSans(sans);
  return [
    ...dnsNames.filter((d) => !have.has(d.toLowerCase())),
    ...ipAddresses.filter((ip) => !have.has(canonicalIp(ip))),
  ];
}

export function keyMatches({ certPem, keyPem }: CertPair): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

// CA certificates of a PEM bundle that are valid now; unparsable text is skipped.
function validCAs(pem: string | undefined, now: Date): string[] {
  if (!pem) return [];
  try {
    return splitPemCerts(pem)
      .filter((x) => x.ca && new Date(x.validTo) > now && new Date(x.validFrom) <= now)
      .map((x) => x.toString());
  } catch {
    return [];
  }
}

function sameBundle(a: string, b: string): boolean {
  const prints = (pem: string) => {
    try {
      return splitPemCerts(pem)
        .map((x) => x.fingerprint256)
        .sort()
        .join(',');
    } catch {
      return '';
    }
  };
  return prints(a) === prints(b);
}

function guard(check: () => string | undefined): string | undefined {
  try {
    return check();
  } catch (err) {
    return `unreadable (${err instanceof Error ? err.message : String(err)})`;
  }
}
