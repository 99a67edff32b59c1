// Kubeconfig files for tests of the cluster commands against a stand-in apiserver (or
// an address where nothing answers).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | undefined;
let written = 0;

/** A kubeconfig with one context per server URL, named after its key; the first one is current. */
export function writeKubeconfig(servers: Record<string, string>): string {
  dir ??= mkdtempSync(join(tmpdir(), 'gd-kubeconfig-'));
  const names = Object.keys(servers);
  const file = join(dir, `kubeconfig-${++written}-${names.join('-')}`);
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${names[0]}`,
    'clusters:',
    // Plain HTTP test servers: client-node only talks to them with TLS verification off.
    ...names.map((n) => `- name: ${n}\n  cluster:\n    server: ${servers[n]}\n    insecure-skip-tls-verify: true`),
    'users:',
    '- name: u\n  user:\n    token: t',
    'contexts:',
    ...names.map((n) => `- name: ${n}\n  context:\n    cluster: ${n}\n    user: u`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
