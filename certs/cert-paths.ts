// Where a certificate directory keeps its files: the names of a kubernetes.io/tls Secret
// (plus ca.crt and ca.key). Apart from store.ts so that naming the files loads no PKI code
// (the webhook's primary process parses its flags with it).
import { join } from 'node:path';

export interface CertPaths {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

export function certPaths(dir: string): CertPaths {
  return {
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'tls.crt'),
    key: join(dir, 'tls.key'),
  };
}

/** Certificate files an operator supplied (`--cert-dir`, or `--tls-cert`/`--tls-key`). */
export interface ServingFiles {
  cert: string;
  key: string;
  /** Optional: read for the log and for clients, never required by the server. */
  ca?: string;
}

/** The Secret layout: tls.crt, tls.key and (if present) ca.crt in one folder. */
export function servingFiles(dir: string): ServingFiles {
  const paths = certPaths(dir);
  return { cert: paths.cert, key: paths.key, ca: paths.caCert };
}
