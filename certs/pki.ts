// PKI for the webhook: build and sign certificates with node-forge. Pure: no file I/O.
// The read side (inspect, rotation, bundle, chain check) lives in inspect.ts and is
// re-exported here so callers import one module.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export * from './inspect.js';

export interface CertPair {
  certPem: string;
  keyPem: string;
}

export interface CreateCAOptions {
  commonName: string;
  validityDays?: number;
  keyBits?: number;
  notBefore?: Date;
}

export interface IssueCertOptions {
  ca: CertPair;
  commonName: string;
  /** Subject O; for client certs the apiserver maps these to groups. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client';
  validityDays?: number;
  keyBits?: number;
  notBefore?: Date;
}

export const MIN_RSA_BITS = 2048;
const DAY_MS = 86_400_000;
// Backdate notBefore so a node whose clock lags a little still accepts a fresh cert.
const CLOCK_SKEW_MS = 5 * 60_000;

/** The four names the apiserver may dial for a Service-backed webhook. */
export function webhookSans(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** Extra SANs for running the webhook on the developer's machine. */
export const localSans: readonly string[] = ['localhost', '127.0.0.1'];

/** Splits mixed SAN strings (as from webhookSans/localSans) into DNS names and IPs. */
export function splitSans(sans: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const san of sans) (isIP(san) ? ipAddresses : dnsNames).push(san);
  return { dnsNames, ipAddresses };
}

export function createCA({ commonName, validityDays = 3650, keyBits = 2048, notBefore }: CreateCAOptions): CertPair {
  const { keyPem, privateKey, publicKey } = generateRsaKey(keyBits);
  const { start, end } = validityWindow(notBefore, validityDays);
  const cert = newCert(publicKey, start, end);
  const subject = [{ shortName: 'CN', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

export function issueCert(opts: IssueCertOptions): CertPair {
  const { ca, commonName, organizations = [], dnsNames = [], ipAddresses = [], usage } = opts;
  const { validityDays = 365, keyBits = 2048 } = opts;
  // Go (the apiserver) ignores the CN entirely, Node for IP hosts: without SANs the cert is useless.
  if (usage === 'server' && dnsNames.length + ipAddresses.length === 0) {
    throw new Error('issueCert: a server certificate needs at least one DNS name or IP address SAN');
  }
  for (const ip of ipAddresses) if (!isIP(ip)) throw new Error(`issueCert: not an IP address: ${ip}`);
  const { caCert, caKey } = parseCA(ca);
  const subject = [
    { shortName: 'CN', value: commonName },
    ...organizations.map((value) => ({ shortName: 'O', value })),
  ];
  if (renderDn(subject) === renderDn(caCert.subject.attributes)) {
    throw new Error('issueCert: leaf subject equals the CA subject; verifiers would treat it as self-issued');
  }
  const { keyPem, publicKey } = generateRsaKey(keyBits);

  const { start, end } = validityWindow(opts.notBefore, validityDays);
  // A leaf outliving its CA would only fail later, and more confusingly.
  const notAfter = new Date(Math.min(end.getTime(), caCert.validity.notAfter.getTime()));
  const cert = newCert(publicKey, start, notAfter);
  cert.setSubject(subject);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: usage === 'server', clientAuth: usage === 'client' },
    { name: 'subjectKeyIdentifier' },
    // keyIdentifier: true would make forge copy the leaf's own SKI; it must be the CA's.
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(caCert) },
    ...(dnsNames.length + ipAddresses.length > 0
      ? [
          {
            name: 'subjectAltName',
            altNames: [...dnsNames.map((value) => ({ type: 2, value })), ...ipAddresses.map((ip) => ({ type: 7, ip }))],
          },
        ]
      : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

// Node's native RSA generation (~0.15 s for 2048 bits) instead of forge's pure JS (~2 s);
// forge only has to wrap the key to sign with it.
function generateRsaKey(bits: number) {
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS) {
    throw new Error(`RSA key size ${bits} is too small: at least ${MIN_RSA_BITS} bits are required`);
  }
  const { privateKey: keyPem } = generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const privateKey = forge.pki.privateKeyFromPem(keyPem);
  return { keyPem, privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}

function newCert(publicKey: forge.pki.rsa.PublicKey, notBefore: Date, notAfter: Date) {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  return cert;
}

// 128 random bits as a positive, minimally encoded DER INTEGER: forge writes the hex
// bytes verbatim, and Go rejects negative serials (high bit set) and leading zero bytes.
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

function parseCA(ca: CertPair) {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem) as forge.pki.rsa.PrivateKey;
  const caPublic = caCert.publicKey as forge.pki.rsa.PublicKey;
  if (caPublic.n.compareTo(caKey.n) !== 0) throw new Error('issueCert: CA key does not match the CA certificate');
  if (caPublic.n.bitLength() < MIN_RSA_BITS) {
    throw new Error(`issueCert: CA key has ${caPublic.n.bitLength()} bits, at least ${MIN_RSA_BITS} are required`);
  }
  const bc = caCert.getExtension('basicConstraints') as { cA?: boolean } | null;
  if (!bc?.cA) throw new Error('issueCert: the given CA certificate is not a CA (basicConstraints cA is not set)');
  return { caCert, caKey };
}

// Prefer the SKI the CA actually carries (it may come from another tool that hashes
// differently); compute it the RFC 5280 way only if it is missing.
function caKeyIdentifier(caCert: forge.pki.Certificate): string {
  const ski = caCert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
  return ski?.subjectKeyIdentifier
    ? forge.util.hexToBytes(ski.subjectKeyIdentifier)
    : caCert.generateSubjectKeyIdentifier().getBytes();
}

function renderDn(attributes: forge.pki.CertificateField[]): string {
  return attributes.map((a) => `${a.shortName}=${String(a.value)}`).join(',');
}

// An explicit notBefore is taken as is (tests, reissue with a fixed start); otherwise
// backdate for clock skew and still give the full validityDays from now.
function validityWindow(notBefore: Date | undefined, validityDays: number): { start: Date; end: Date } {
  if (!(validityDays > 0)) throw new Error(`validityDays must be positive, got ${validityDays}`);
  const now = Date.now();
  const start = notBefore ?? new Date(now - CLOCK_SKEW_MS);
  return { start, end: new Date((notBefore ? start.getTime() : now) + validityDays * DAY_MS) };
}
