// A policy must pass its own limits: `scaffold policy --allowed-registries` once wrote an
// Enforce policy that denied the Alluxio client image (docker.io) it injects itself.
// The scaffold now mirrors the image into an allowed registry; validate (documents and
// --policy) and policy test say when a policy refuses what it injects.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import { selfConflicts } from '../../../../policies/policy-self-check.js';
import { policyWith } from '../../../fixtures/policy.js';
import { runCli as cli } from '../run-cli.js';

const SELF_BLOCKING = `apiVersion: graphdata.io/v1alpha1
kind: ClusterGraphDataPolicy
metadata:
  name: platform
spec:
  mode: Enforce
  limits:
    allowedRegistries: [registry.internal]
`;

const EXECUTOR = `apiVersion: v1
kind: Pod
metadata:
  name: wordcount-exec-1
  namespace: analytics
  labels: {spark-role: executor}
spec:
  containers:
    - name: spark-kubernetes-executor
      image: registry.internal/spark:3.5.1
      args: [executor]
      resources: {requests: {cpu: 1, memory: 1Gi}, limits: {cpu: 1, memory: 1Gi}}
`;

const diagnosticsOf = (stdout: string): Diagnostic[] =>
  (JSON.parse(stdout) as { diagnostics: Diagnostic[] }).diagnostics;

describe('a policy checked against itself', () => {
  it('scaffold policy --cluster mirrors the client image into the allowed registry, and the pods it injects pass it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-self-check-'));
    const scaffold = await cli([
      'scaffold',
      'policy',
      'platform',
      '--cluster',
      '--mode',
      'Enforce',
      '--allowed-registries',
      'registry.internal',
    ]);
    expect(scaffold.code).toBe(0);
    expect(scaffold.stdout).toContain('# images.mirrors docker.io → registry.internal added');
    expect(scaffold.stdout).toMatch(/mirrors:\n\s+- from: docker\.io\n\s+to: registry\.internal\n/);
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, scaffold.stdout);
    const injected = await cli(['inject', '-f', '-', '--policy', policy], { stdin: EXECUTOR });
    expect(injected.stdout).toContain('image: registry.internal/alluxio/alluxio:2.9.4');
    const check = await cli(['validate', '-f', '-', '--policy', policy, '-o', 'json'], { stdin: injected.stdout });
    expect(diagnosticsOf(check.stdout).map((d) => d.code)).toEqual([]);
    expect(check.code).toBe(0);
  });

  it('validate --policy and validate of the policy document warn at the allowedRegistries line, with what to change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-self-check-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, SELF_BLOCKING);
    const run = await cli(['validate', '-f', '-', '--policy', policy, '-o', 'json'], { stdin: EXECUTOR });
    const found = diagnosticsOf(run.stdout).filter((d) => d.code === 'policy-blocks-itself');
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'warning',
        file: policy,
        path: 'spec.limits.allowedRegistries',
        message:
          'this policy injects the Alluxio client image alluxio/alluxio:2.9.4 (from docker.io), which its own limits.allowedRegistries (registry.internal) refuse: every pod it injects is denied',
      }),
    ]);
    expect(found[0]!.hint).toContain('images.mirrors [{from: docker.io, to: registry.internal}]');
    const doc = await cli(['validate', '-f', policy, '-o', 'json']);
    expect(diagnosticsOf(doc.stdout).map((d) => [d.code, d.line])).toEqual([['policy-blocks-itself', 8]]);
    // --strict makes the warning fail the gate.
    expect((await cli(['validate', '-f', policy, '--strict'])).code).toBe(1);
  });

  it('policy test says so beside its results', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-self-check-'));
    writeFileSync(join(dir, 'policy.yaml'), SELF_BLOCKING);
    writeFileSync(join(dir, 'pods.yaml'), EXECUTOR);
    writeFileSync(
      join(dir, 'graphdata-test.yaml'),
      `apiVersion: cli.graphdata.io/v1alpha1
kind: PolicyTest
metadata: {name: self}
policies: [policy.yaml]
resources: [pods.yaml]
results:
  - resource: Pod/wordcount-exec-1
    policy: platform
    verdict: deny
`,
    );
    const run = await cli(['policy', 'test', dir]);
    expect(run.stdout).toContain('warning policy-blocks-itself: this policy injects the Alluxio client image');
    const json = JSON.parse((await cli(['policy', 'test', dir, '-o', 'json'])).stdout) as {
      suites: { warnings: Diagnostic[] }[];
    };
    expect(json.suites[0]!.warnings.map((d) => d.code)).toEqual(['policy-blocks-itself']);
  });

  it('checks each profile with its own image and mirrors', () => {
    const policy = policyWith(
      {
        limits: { allowedRegistries: ['registry.internal'] },
        images: { mirrors: [{ from: 'docker.io', to: 'registry.internal' }] },
      },
      {
        'ghcr-client': { alluxio: { image: 'ghcr.io/acme/alluxio:2.9.4' } },
      } as never,
    );
    expect(selfConflicts(policy).map((d) => [d.path, d.message.split(' injects')[0]])).toEqual([
      ['spec.profiles["ghcr-client"].alluxio.image', 'profile ghcr-client'],
    ]);
    expect(selfConflicts(policyWith({ limits: { allowedRegistries: ['docker.io'] } }))).toEqual([]);
    expect(selfConflicts(policyWith({}))).toEqual([]);
  });
});
