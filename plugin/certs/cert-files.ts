// Certificates as files (`certs generate/inspect/rotate --dir`): the names of a
// kubernetes.io/tls Secret plus ca.crt/ca.key, keys 0600 in a 0700 directory.
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertPair } from '../../certs/pki.js';
import { writeFileAtomic } from '../../certs/store.js';

export const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  cert: 'tls.crt',
  key: 'tls.key',
  bundle: 'ca-bundle.crt',
} as const;

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function readCertDir(dir: string) {
  const [caCert, caKey, cert, key, bundle] = await Promise.all(
    [FILES.caCert, FILES.caKey, FILES.cert, FILES.key, FILES.bundle].map((f) => readIfExists(join(dir, f))),
  );
  return { caCert, caKey, cert, key, bundle };
}

export async function writeCertDir(
  dir: string,
  ca: CertPair | undefined,
  serving: CertPair | undefined,
  bundle?: string,
) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // Keys before certificates: a watcher that reloads on tls.crt then finds the matching key.
  if (ca) await writeFileAtomic(join(dir, FILES.caKey), ca.keyPem, 0o600);
  if (ca) await writeFileAtomic(join(dir, FILES.caCert), ca.certPem, 0o644);
  if (bundle !== undefined) await writeFileAtomic(join(dir, FILES.bundle), bundle, 0o644);
  if (serving) await writeFileAtomic(join(dir, FILES.key), serving.keyPem, 0o600);
  if (serving) await writeFileAtomic(join(dir, FILES.cert), serving.certPem, 0o644);
}
