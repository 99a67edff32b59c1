// `kubectl graphdata validate --server` against the real apiserver: dry-run creates
// that the apiserver and the installed CRDs judge, mapped back to file lines.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../policies/diagnostics.js';
import { cluster } from '../cluster/kube.js';
import { kubectl } from '../support/kubectl.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/manifests/${name}`, import.meta.url));

function manifest(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'gd-validate-server-')), 'manifest.yaml');
  writeFileSync(file, text);
  return file;
}

function validate(file: string): { code: number; diagnostics: Diagnostic[]; stderr: string } {
  const run = kubectl([
    'graphdata',
    'validate',
    '--server',
    '-f',
    file,
    '-o',
    'json',
    '--kubeconfig',
    cluster().kubeconfig,
  ]);
  return {
    code: run.code,
    stderr: run.stderr,
    diagnostics: run.stdout ? (JSON.parse(run.stdout) as { diagnostics: Diagnostic[] }).diagnostics : [],
  };
}

describe('validate --server', () => {
  it('accepts a good SparkApplication: the CRD schema agrees with ours', () => {
    kubectl(['create', 'namespace', 'analytics'], { kubeconfig: cluster().kubeconfig });
    const run = validate(fixture('spark-good.yaml'));
    expect(run).toEqual({ code: 0, stderr: '', diagnostics: [] });
  });

  it('adds the CRD schema findings to ours', () => {
    const file = fixture('spark-missing-fields.yaml');
    const run = validate(file);
    expect(run.code).toBe(1);
    const server = run.diagnostics.filter((d) => d.code === 'server-Invalid');
    expect(server.map((d) => d.path).sort()).toEqual([
      'spec.mainApplicationFile',
      'spec.mode',
      'spec.sparkVersion',
      'spec.type',
    ]);
    expect(server.find((d) => d.path === 'spec.type')).toMatchObject({ file, line: 6, hint: 'add spec.type' });
    expect(server.find((d) => d.path === 'spec.mode')).toMatchObject({
      line: 7,
      message: expect.stringContaining('"cluster", "client"'),
    });
  });

  it('maps apiserver field errors to the line of the field', () => {
    const file = manifest(`apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  containers:
    - name: main
      image: busybox:1.36
`);
    const run = validate(file);
    expect(run.code).toBe(1);
    expect(run.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'server-Invalid', path: 'metadata.name', file, line: 4 }),
    );
  });

  it('says when the cluster does not serve a kind', () => {
    const file = manifest('apiVersion: example.io/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const run = validate(file);
    expect(run.code).toBe(1);
    expect(run.diagnostics).toContainEqual(expect.objectContaining({ code: 'server-unknown-kind', line: 1 }));
  });
});
