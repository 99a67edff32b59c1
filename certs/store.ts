// File side of the PKI: keep a CA and a serving cert in a directory, the same
// file names as a kubernetes.io/tls Secret (+ ca.crt/ca.key) so the webhook reads a
// mounted Secret and a local dev dir the same way.
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync, watch } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type CertPair,
  type RenewBefore,
  caBundle,
  canonicalIp,
  createCA,
  inspectCert,
  issueCert,
  needsRotation,
  splitSans,
  verifyChain,
} from './pki.js';
import { type CertPaths, type ServingFiles, certPaths } from './cert-paths.js';

export interface EnsureDevCertsOptions {
  /** DNS names and IPs the serving cert must carry, e.g. [...webhookSans(svc, ns), ...localSans]. */
  sans: readonly string[];
  commonName?: string;
  caCommonName?: string;
  validityDays?: number;
  caValidityDays?: number;
  renewBefore?: RenewBefore;
  now?: Date;
}

export interface EnsureDevCertsResult {
  paths: CertPaths;
  caPem: string;
  certPem: string;
  keyPem: string;
  /** Current CA, plus the previous one while it is still valid if the CA was just replaced. */
  caBundlePem: string;
  generated: boolean;
  caGenerated: boolean;
  /** Why anything was (re)generated; empty when the files were reused. */
  reasons: string[];
}

const KEY_MODE = 0o600;
const CERT_MODE = 0o644;
const DIR_MODE = 0o700;

export async function ensureDevCerts(dir: string, opts: EnsureDevCertsOptions): Promise<EnsureDevCertsResult> {
  const { sans, now = new Date(), renewBefore } = opts;
  if (sans.length === 0) throw new Error('ensureDevCerts: sans must name at least one DNS name or IP address');
  const paths = certPaths(dir);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  await chmod(dir, DIR_MODE); // mkdir's mode does not apply when the dir already existed
  const [caPem, caKeyPem, certPem, keyPem] = await Promise.all(
    [paths.caCert, paths.caKey, paths.cert, paths.key].map(readIfExists),
  );
  const reasons: string[] = [];

  const storedCa = caPem && caKeyPem ? { certPem: caPem, keyPem: caKeyPem } : undefined;
  const caIssue = caProblem(storedCa, now, renewBefore);
  let ca = storedCa!; // caProblem returns a reason whenever storedCa is undefined
  let caBundlePem = caPem ?? '';
  if (caIssue) {
    reasons.push(`ca: ${caIssue}`);
    ca = createCA({
      commonName: opts.caCommonName ?? 'graphdata-webhook-ca',
      validityDays: opts.caValidityDays ?? 3650,
    });
    caBundlePem = caBundle(ca.certPem, ...stillValidCa(caPem, now));
    await writeFileAtomic(paths.caKey, ca.keyPem, KEY_MODE);
    await writeFileAtomic(paths.caCert, ca.certPem, CERT_MODE);
  }

  const storedServing = certPem && keyPem ? { certPem, keyPem } : undefined;
  const servingIssue = caIssue ? 'CA was regenerated' : servingProblem(storedServing, ca, sans, now, renewBefore);
  let serving = storedServing!; // likewise servingProblem
  if (servingIssue) {
    reasons.push(`serving: ${servingIssue}`);
    serving = issueCert({
      ca,
      commonName: opts.commonName ?? sans[0] ?? '',
      ...splitSans(sans),
      usage: 'server',
      validityDays: opts.validityDays ?? 365,
    });
    // Key first: a watcher that reloads on tls.crt changes then finds the matching key.
    await writeFileAtomic(paths.key, serving.keyPem, KEY_MODE);
    await writeFileAtomic(paths.cert, serving.certPem, CERT_MODE);
  }
  // Keep the invariant even for files another tool wrote.
  await Promise.all([chmod(paths.caKey, KEY_MODE), chmod(paths.key, KEY_MODE)]);

  return {
    paths,
    caPem: ca.certPem,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    caBundlePem,
    generated: reasons.length > 0,
    caGenerated: Boolean(caIssue),
    reasons,
  };
}

/**
 * A warning when a supplied private key is readable (or writable) by its group or by
 * others: it is served all the same (the operator chose the file), but said at start and
 * by `doctor`. Undefined for a key only its owner can read, or one that cannot be stat'ed.
 */
export async function exposedKeyWarning(keyFile: string): Promise<string | undefined> {
  const mode = await stat(keyFile).then(
    (s) => s.mode & 0o777,
    () => undefined,
  );
  if (mode === undefined || (mode & 0o077) === 0) return undefined;
  const who = [mode & 0o070 ? 'its group' : '', mode & 0o007 ? 'others' : ''].filter(Boolean).join(' and ');
  return `private key ${keyFile} is readable by ${who} (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it, or mount the Secret with defaultMode 0400`;
}

/** A serving pair that was read and checked, ready for the TLS context. */
export interface ServingCert {
  certPem: string;
  keyPem: string;
  caPem?: string;
  notAfter: Date;
  serial: string;
  files: ServingFiles;
}

/** A supplied certificate file that cannot be served: which file, and why. */
export class CertificateFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/**
 * Reads and checks a supplied pair, writing nothing: missing or unreadable files, a
 * file that is not PEM, a key that does not belong to the certificate, and a
 * certificate outside its validity window each throw CertificateFileError.
 */
export async function readServingCert(files: ServingFiles, now: Date = new Date()): Promise<ServingCert> {
  // One after the other, so the message names the first file in a fixed order.
  const certPem = await readSupplied(files.cert);
  const keyPem = await readSupplied(files.key);
  const caPem = files.ca ? await readIfExists(files.ca).catch(() => undefined) : undefined;
  return checkServingPair(files, certPem, keyPem, caPem, now);
}

function checkServingPair(
  files: ServingFiles,
  certPem: string,
  keyPem: string,
  caPem: string | undefined,
  now: Date,
): ServingCert {
  let leaf: X509Certificate;
  try {
    const first = certPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/);
    if (!first) throw new CertificateFileError(files.cert, 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
    leaf = new X509Certificate(first[0]);
  } catch (err) {
    if (err instanceof CertificateFileError) throw err;
    throw new CertificateFileError(files.cert, `is not a valid certificate (${(err as Error).message})`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new CertificateFileError(files.key, `is not a PEM private key (${(err as Error).message})`);
  }
  if (!leaf.checkPrivateKey(key)) throw new CertificateFileError(files.key, `is not the key of ${files.cert}`);
  const { notBefore, notAfter, serial } = inspectCert(leaf.toString());
  if (now >= notAfter) throw new CertificateFileError(files.cert, `expired at ${notAfter.toISOString()}`);
  if (now < notBefore) throw new CertificateFileError(files.cert, `is not valid before ${notBefore.toISOString()}`);
  return { certPem, keyPem, ...(caPem ? { caPem } : {}), notAfter, serial, files };
}

function readSuppliedSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
}

function readSyncIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function readSupplied(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw readError(file, err);
  }
}

function readError(file: string, err: unknown): CertificateFileError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'cannot be read (permission denied)'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : `cannot be read (${(err as Error).message})`;
  return new CertificateFileError(file, reason);
}

export interface CertWatcherOptions {
  /** Called with each new, checked pair. */
  onReload(cert: ServingCert): void;
  /** Called when changed files cannot be served (yet); the current pair stays. */
  onSkip(reason: string): void;
  /** Re-read this often even without a file event (a missed event, a replaced folder). */
  pollMs?: number;
  /** First retry after a skipped pair; doubles up to pollMs. */
  retryMs?: number;
}

export interface CertWatcher {
  close(): void;
}

/**
 * Serves rotated certificates without a restart. Watches the folders that hold the
 * files rather than the files: a rename over tls.crt and the Secret volume's swap of
 * its `..data` symlink both show up as events there, while a watch on the file itself
 * would stay on the old inode. Any event (or the poll) re-reads both files; a changed
 * pair is applied only once the key matches the certificate, so a rotation caught
 * between its two writes is skipped and retried.
 */
export function watchServingCert(files: ServingFiles, current: ServingCert, opts: CertWatcherOptions): CertWatcher {
  const pollMs = opts.pollMs ?? 2_000;
  const retryFirstMs = opts.retryMs ?? 100;
  let served = `${current.certPem}\0${current.keyPem}`;
  let lastSkip = '';
  let retryMs = retryFirstMs;
  let running = false;
  let rerun = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const check = async (): Promise<void> => {
    if (closed) return;
    if (running) {
      rerun = true;
      return;
    }
    running = true;
    try {
      // Synchronous on purpose: two small files, and under load the libuv pool that
      // async reads wait for can be busy for seconds, delaying the swap.
      const certPem = readSuppliedSync(files.cert);
      const keyPem = readSuppliedSync(files.key);
      if (`${certPem}\0${keyPem}` === served) {
        lastSkip = '';
        return;
      }
      const caPem = files.ca ? readSyncIfExists(files.ca) : undefined;
      const next = checkServingPair(files, certPem, keyPem, caPem, new Date());
      served = `${certPem}\0${keyPem}`;
      lastSkip = '';
      retryMs = retryFirstMs;
      if (!closed) opts.onReload(next);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (reason !== lastSkip && !closed) opts.onSkip(reason);
      lastSkip = reason;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => void check(), retryMs);
      retryTimer.unref();
      retryMs = Math.min(retryMs * 2, pollMs);
    } finally {
      running = false;
      if (rerun && !closed) {
        rerun = false;
        void check();
      }
    }
  };

  const watchers = [...new Set([dirname(files.cert), dirname(files.key)])].flatMap((dir) => {
    try {
      const watcher = watch(dir, { persistent: false }, () => void check());
      watcher.on('error', () => watcher.close()); // folder gone: the poll carries on
      return [watcher];
    } catch {
      return []; // cannot watch (e.g. no inotify): the poll still finds changes
    }
  });
  const poll = setInterval(() => void check(), pollMs);
  poll.unref();
  return {
    close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(retryTimer);
      for (const w of watchers) w.close();
    },
  };
}

/** Write to a temp file in the same dir, fsync, rename: readers see the old or the new file, never half. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(tmp, 'wx', mode);
  try {
    await file.chmod(mode); // open's mode is filtered by the umask
    await file.writeFile(data);
    await file.sync();
  } catch (err) {
    await file.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await file.close();
  await rename(tmp, path);
  const dirHandle = await open(dirname(path), 'r'); // make the rename itself durable
  await dirHandle.sync().finally(() => dirHandle.close());
}

function caProblem(ca: CertPair | undefined, now: Date, renewBefore?: RenewBefore): string | undefined {
  if (!ca) return 'ca.crt or ca.key missing';
  return guard(() => {
    if (!inspectCert(ca.certPem).isCA) return 'ca.crt is not a CA certificate';
    if (!keyMatches(ca)) return 'ca.key does not match ca.crt';
    const rotation = needsRotation(ca.certPem, now, renewBefore);
    return rotation.rotate ? rotation.reason : undefined;
  });
}

function servingProblem(
  serving: CertPair | undefined,
  ca: CertPair,
  sans: readonly string[],
  now: Date,
  renewBefore?: RenewBefore,
): string | undefined {
  if (!serving) return 'tls.crt or tls.key missing';
  return guard(() => {
    if (!keyMatches(serving)) return 'tls.key does not match tls.crt';
    const rotation = needsRotation(serving.certPem, now, renewBefore);
    if (rotation.rotate) return rotation.reason;
    const chain = verifyChain(serving.certPem, ca.certPem, now);
    if (!chain.valid) return `not signed by ca.crt (${chain.reason})`;
    const missing = missingSans(serving.certPem, sans);
    return missing.length ? `lacks SAN ${missing.join(', ')}` : undefined;
  });
}

function missingSans(certPem: string, sans: readonly string[]): string[] {
  const info = inspectCert(certPem);
  const have = new Set([...info.dnsNames.map((d) => d.toLowerCase()), ...info.ipAddresses]);
  const { dnsNames, ipAddresses } = splitSans(sans);
  return [
    ...dnsNames.filter((d) => !have.has(d.toLowerCase())),
    ...ipAddresses.filter((ip) => !have.has(canonicalIp(ip))),
  ];
}

// The old CA stays trusted next to the new one until it expires (CA rollover).
function stillValidCa(caPem: string | undefined, now: Date): string[] {
  try {
    const info = caPem ? inspectCert(caPem) : undefined;
    return caPem && info?.isCA && info.notAfter > now ? [caPem] : [];
  } catch {
    return [];
  }
}

function keyMatches({ certPem, keyPem }: CertPair): boolean {
  return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
}

// A file that does not parse is a reason to regenerate, not a crash.
function guard(check: () => string | undefined): string | undefined {
  try {
    return check();
  } catch (err) {
    return `unreadable (${err instanceof Error ? err.message : String(err)})`;
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
