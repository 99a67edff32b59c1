// Certificate folders as an operator supplies them: plain files, or a Kubernetes Secret
// volume that kubelet updates by swapping its `..data` symlink.
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { type CertPair, createCA, issueCert, splitSans } from '../../certs/pki.js';

export const SERVICE_SANS = ['graphdata', 'graphdata.graphdata-system', 'graphdata.graphdata-system.svc'];

export function servingPair(ca: CertPair, sans: string[], extra: { notBefore?: Date; validityDays?: number } = {}) {
  return issueCert({ ca, commonName: 'graphdata-webhook', usage: 'server', ...splitSans(sans), ...extra });
}

export const newCA = (name = 'supplied-ca') => createCA({ commonName: name });

/** Every entry under `dir` with its mode, mtime, size, content hash or link target: equal snapshots, untouched dir. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string, rel: string) => {
    const st = lstatSync(path);
    const what = st.isSymbolicLink()
      ? `link ${readlinkSync(path)}`
      : st.isDirectory()
        ? 'dir'
        : `file ${st.size} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    out[rel] = `${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${what}`;
    if (st.isDirectory() && !st.isSymbolicLink())
      for (const name of readdirSync(path)) walk(join(path, name), rel ? `${rel}/${name}` : name);
  };
  walk(dir, '');
  return out;
}

/**
 * What kubelet's AtomicWriter does for a Secret volume: the files live in a
 * timestamped hidden folder, `..data` points at it, and each visible name is a
 * symlink through `..data`. An update writes a new folder and renames a new
 * `..data_tmp` link over `..data` in one step, then removes the old folder.
 */
export class SecretVolume {
  private current?: string;
  private generation = 0;
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  write(files: Record<string, string>): void {
    const now = new Date();
    const stamp = `..${now.toISOString().slice(0, 19).replace(/[-T:]/g, '_')}.${String(++this.generation).padStart(9, '0')}`;
    const target = join(this.dir, stamp);
    mkdirSync(target, { mode: 0o755 });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(target, name), text, { mode: 0o644 });
    const tmp = join(this.dir, '..data_tmp');
    symlinkSync(stamp, tmp);
    renameSync(tmp, join(this.dir, '..data'));
    for (const name of Object.keys(files)) {
      const visible = join(this.dir, name);
      try {
        lstatSync(visible);
      } catch {
        symlinkSync(join('..data', name), visible);
      }
    }
    if (this.current) rmSync(join(this.dir, this.current), { recursive: true, force: true });
    this.current = stamp;
  }
}

/** Serial of the certificate a new TLS connection is served, verified against `ca` for `servername`. */
export function servedSerial(url: string, ca: string, servername?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca, ...(servername ? { servername } : {}) }, () => {
      const serial = socket.getPeerCertificate().serialNumber.toUpperCase();
      socket.end();
      resolve(serial);
    });
    socket.on('error', reject);
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns how long it took, or throws. */
export async function within(timeoutMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}
