// Read side of the PKI. Uses Node's X509Certificate rather than forge because forge
// cannot even parse a certificate with a non-RSA key, and a caBundle may hold one.
import { X509Certificate } from 'node:crypto';

export interface CertInfo {
  subject: string;
  issuer: string;
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: Date;
  notAfter: Date;
  /** Hex, upper case, as openssl and Node print it. */
  serial: string;
  /** 'rsa', 'ec', 'ed25519', ... */
  keyType: string;
  /** RSA modulus length; 0 for key types without one. */
  keyBits: number;
  isCA: boolean;
  /** AA:BB:... like `openssl x509 -fingerprint -sha256`. */
  fingerprintSha256: string;
}

/** How long before notAfter to rotate: a share of the lifetime or a fixed duration. */
export type RenewBefore = { fraction: number } | { ms: number };

export interface RotationDecision {
  rotate: boolean;
  reason: string;
  /** When the certificate enters its renewal window; a reload loop can sleep until then. */
  renewAt: Date;
}

export interface ChainResult {
  valid: boolean;
  reason: string;
  /** Fingerprint of the CA that signed the certificate, when valid. */
  caFingerprintSha256?: string;
}

export function inspectCert(pem: string): CertInfo {
  const x509 = new X509Certificate(pem);
  const sans = parseSubjectAltName(x509.subjectAltName ?? '');
  const key = x509.publicKey;
  return {
    subject: x509.subject.split('\n').join(', '),
    issuer: x509.issuer.split('\n').join(', '),
    dnsNames: sans.filter((s) => s.type === 'DNS').map((s) => s.value),
    ipAddresses: sans.filter((s) => s.type === 'IP Address').map((s) => canonicalIp(s.value)),
    notBefore: parseCertDate(x509.validFrom),
    notAfter: parseCertDate(x509.validTo),
    serial: x509.serialNumber.toUpperCase(),
    keyType: key.asymmetricKeyType ?? 'unknown',
    keyBits: key.asymmetricKeyDetails?.modulusLength ?? 0,
    isCA: x509.ca,
    fingerprintSha256: x509.fingerprint256,
  };
}

/**
 * Rule: rotate once the certificate is inside its renewal window, i.e. less than
 * `renewBefore` of validity remains. The default, a third of the lifetime, is
 * cert-manager's default: a 365-day serving cert renews ~122 days early, which leaves
 * months for a failing rotation to be noticed. Expired and not-yet-valid certificates
 * (a clock that was wrong at issue time) always rotate: no client would accept them.
 */
export function needsRotation(
  pem: string,
  now: Date = new Date(),
  renewBefore: RenewBefore = { fraction: 1 / 3 },
): RotationDecision {
  const { notBefore, notAfter } = inspectCert(pem);
  const lifetime = notAfter.getTime() - notBefore.getTime();
  const window = renewWindowMs(renewBefore, lifetime);
  const renewAt = new Date(notAfter.getTime() - window);
  if (now >= notAfter) return { rotate: true, reason: `expired at ${notAfter.toISOString()}`, renewAt };
  if (now < notBefore) return { rotate: true, reason: `not valid before ${notBefore.toISOString()}`, renewAt };
  if (now >= renewAt) {
    const daysLeft = ((notAfter.getTime() - now.getTime()) / 86_400_000).toFixed(1);
    return {
      rotate: true,
      reason: `expires ${notAfter.toISOString()} (${daysLeft} days left), renewal was due ${renewAt.toISOString()}`,
      renewAt,
    };
  }
  return { rotate: false, reason: `valid until ${notAfter.toISOString()}, renew at ${renewAt.toISOString()}`, renewAt };
}

/**
 * One PEM bundle of distinct CA certificates, first occurrence first. During a CA
 * rollover pass old and new so the apiserver trusts serving certs from either.
 * Arguments may themselves be bundles.
 */
export function caBundle(...caPems: string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const x509 of caPems.flatMap(splitPemCerts)) {
    if (!x509.ca) throw new Error(`caBundle: not a CA certificate: ${x509.subject.replace(/\n/g, ', ')}`);
    if (seen.has(x509.fingerprint256)) continue;
    seen.add(x509.fingerprint256);
    out.push(x509.toString().trim());
  }
  return out.map((pem) => `${pem}\n`).join('');
}

/** Is `certPem` issued and signed directly by one of `caPems`, and are both valid at `now`? */
export function verifyChain(certPem: string, caPems: string | string[], now: Date = new Date()): ChainResult {
  const leaf = new X509Certificate(certPem);
  const leafInfo = inspectCert(certPem);
  if (now < leafInfo.notBefore || now >= leafInfo.notAfter) {
    return { valid: false, reason: `certificate is not valid at ${now.toISOString()}` };
  }
  const reasons: string[] = [];
  for (const ca of [caPems].flat().flatMap(splitPemCerts)) {
    const caName = ca.subject.replace(/\n/g, ', ');
    const caInfo = inspectCert(ca.toString());
    // checkIssued compares names, AKI/SKI and the CA's keyUsage the way OpenSSL does.
    if (!ca.ca || !leaf.checkIssued(ca)) reasons.push(`${caName}: not the issuer`);
    else if (!leaf.verify(ca.publicKey)) reasons.push(`${caName}: signature does not verify`);
    else if (now < caInfo.notBefore || now >= caInfo.notAfter)
      reasons.push(`${caName}: CA not valid at ${now.toISOString()}`);
    else return { valid: true, reason: `signed by ${caName}`, caFingerprintSha256: ca.fingerprint256 };
  }
  return { valid: false, reason: reasons.length ? reasons.join('; ') : 'no CA certificates given' };
}

export function splitPemCerts(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (block) => new X509Certificate(block),
  );
}

/** One spelling per address, so "::1" and "0:0:0:0:0:0:0:1" compare equal. */
export function canonicalIp(ip: string): string {
  return ip.includes(':') ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

function renewWindowMs(renewBefore: RenewBefore, lifetimeMs: number): number {
  const window = 'fraction' in renewBefore ? renewBefore.fraction * lifetimeMs : renewBefore.ms;
  if ('fraction' in renewBefore && !(renewBefore.fraction > 0 && renewBefore.fraction < 1)) {
    throw new Error(`renewBefore.fraction must be between 0 and 1, got ${renewBefore.fraction}`);
  }
  // Otherwise every freshly issued certificate would need rotating at once: a reissue loop.
  if (!(window >= 0 && window < lifetimeMs)) {
    throw new Error(`renewBefore (${window} ms) must be shorter than the certificate lifetime (${lifetimeMs} ms)`);
  }
  return window;
}

// Node prints "DNS:a, IP Address:1.2.3.4" and JSON-quotes values holding separators.
function parseSubjectAltName(text: string): { type: string; value: string }[] {
  const entries: { type: string; value: string }[] = [];
  for (const m of text.matchAll(/([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const raw = m[2] ?? '';
    entries.push({ type: (m[1] ?? '').trim(), value: raw.startsWith('"') ? (JSON.parse(raw) as string) : raw });
  }
  return entries;
}

function parseCertDate(text: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new Error(`cannot parse certificate date: ${text}`);
  return date;
}
