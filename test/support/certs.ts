// Deliberately bad certificates for negative tests (issueCert refuses to build them).
import forge from 'node-forge';
import type { CertPair } from '../../certs/pki.js';

/** A serving cert with only a Common Name and no subjectAltName: Go and Node must reject it. */
export function commonNameOnlyCert(issuer: CertPair, commonName: string): CertPair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048 });
  const caCert = forge.pki.certificateFromPem(issuer.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ shortName: 'CN', value: commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([{ name: 'extKeyUsage', serverAuth: true }]);
  cert.sign(forge.pki.privateKeyFromPem(issuer.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}
