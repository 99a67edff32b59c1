import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Diagnostic, formatDiagnostic } from '../../../../policies/diagnostics.js';
import { writeKubeconfig } from '../../../support/kubeconfig.js';
import { runCli as cli } from '../run-cli.js';
import { DEFAULT_POLICY_FILE } from '../../../fixtures/policy.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/manifests/${name}`, import.meta.url));
const LEGACY = fixture('legacy-cn.yaml');

/** 1-based number of the first line containing `needle`. */
function lineOf(file: string, needle: string): number {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}

async function validateJson(
  args: string[],
  stdin?: string,
): Promise<{ code: number; report: { valid: boolean; summary: Record<string, number>; diagnostics: Diagnostic[] } }> {
  const run = await cli(['validate', ...args, '-o', 'json'], stdin === undefined ? {} : { stdin });
  return { code: run.code, report: JSON.parse(run.stdout) };
}

// Only warnings under the default (Audit) policy: an executor pinned off the cache nodes.
const WARNING_ONLY = `apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata:
  name: pinned
spec:
  type: Python
  mode: cluster
  image: apache/spark-py:3.5.1
  mainApplicationFile: local:///opt/app/job.py
  sparkVersion: "3.5.1"
  driver:
    cores: 1
  executor:
    instances: 1
    nodeSelector:
      alluxio: "false"
`;

describe('kubectl graphdata validate', () => {
  it('fails the legacy cn.yaml and points at each placeholder and the v2beta2 autoscaler by line', async () => {
    const { code, report } = await validateJson(['-f', LEGACY]);
    expect(code).toBe(1);
    const at = (path: string) => report.diagnostics.find((d) => d.path === path);
    expect(at('spec.feInfo.addresses[0]')).toMatchObject({
      code: 'placeholder',
      severity: 'error',
      file: LEGACY,
      line: lineOf(LEGACY, '<ip>:<port>'),
      column: 9,
    });
    expect(at('spec.images.cnImage')).toMatchObject({
      code: 'placeholder',
      line: lineOf(LEGACY, 'cnImage: xxx:xxx'),
      column: 14,
    });
    expect(at('spec.images.componentsImage')).toMatchObject({
      code: 'placeholder',
      line: lineOf(LEGACY, 'componentsImage: xxx:xxx'),
    });
    expect(at('spec.autoScalingPolicy')).toMatchObject({
      code: 'removed-api',
      line: lineOf(LEGACY, 'autoScalingPolicy:'),
    });
    expect(report.summary).toMatchObject({ errors: 4, warnings: 0, documents: 2, files: 1 });
  });

  it('prints compiler-style lines with hints and a summary in table mode', async () => {
    const run = await cli(['validate', '-f', LEGACY]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `${LEGACY}:${lineOf(LEGACY, '<ip>:<port>')}:9: error placeholder: placeholder FE address "<ip>:<port>" (spec.feInfo.addresses[0])`,
    );
    expect(run.stdout).toContain('hint: replace it with the FE query address');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('4 errors, 0 warnings in 2 documents');
  });

  it('passes a good SparkApplication with exit 0', async () => {
    const run = await cli(['validate', '-f', fixture('spark-good.yaml')]);
    expect(run).toMatchObject({ code: 0, stdout: '0 errors, 0 warnings in 1 document\n' });
  });

  it('reports every classic SparkApplication mistake once, each with file, line, column, path and hint', async () => {
    const file = fixture('spark-bad.yaml');
    const { code, report } = await validateJson(['-f', file]);
    expect(code).toBe(1);
    expect(report.diagnostics.map((d) => d.code).sort()).toEqual(
      [
        'client-jar-version',
        'core-limit-below-cores',
        'executor-off-cache-nodes',
        'schema-additionalProperties',
        'schema-enum',
        'socket-path-mismatch',
        'volume-missing',
      ].sort(),
    );
    for (const d of report.diagnostics) {
      expect(d).toEqual({
        severity: expect.any(String),
        code: expect.any(String),
        message: expect.any(String),
        hint: expect.any(String),
        path: expect.any(String),
        file,
        line: expect.any(Number),
        column: expect.any(Number),
      });
    }
    expect(report.diagnostics.find((d) => d.code === 'schema-additionalProperties')).toMatchObject({
      line: lineOf(file, 'memroy'),
      hint: 'did you mean "memory"?',
    });
    expect(report).toMatchObject({
      valid: false,
      summary: { errors: 4, warnings: 3, infos: 0, documents: 1, files: 1 },
    });
  });

  it('reports missing required fields at the parent line', async () => {
    const file = fixture('spark-missing-fields.yaml');
    const { report } = await validateJson(['-f', file]);
    const required = report.diagnostics.filter((d) => d.code === 'schema-required');
    expect(required.map((d) => d.path)).toEqual(['spec.type', 'spec.sparkVersion', 'spec.mainApplicationFile']);
    for (const d of required) expect(d.line).toBe(lineOf(file, 'spec:'));
  });

  it('checks documents together: 19998 next to a Fluid Dataset, jar version from the AlluxioRuntime', async () => {
    const file = fixture('fluid-spark.yaml');
    const { report } = await validateJson(['-f', file]);
    expect(report.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['fluid-fixed-port', lineOf(file, ':19998/logs')],
    ]);
  });

  it('keeps exit 0 on warnings, and exits 1 with --strict', async () => {
    const lenient = await cli(['validate', '-f', '-'], { stdin: WARNING_ONLY });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('<stdin>:16:16: warning executor-off-cache-nodes');
    expect(lenient.stdout).toContain('0 errors, 1 warning in 1 document');
    const strict = await cli(['validate', '-f', '-', '--strict'], { stdin: WARNING_ONLY });
    expect(strict.code).toBe(1);
  });

  it('reads standard input, also mixed with files', async () => {
    const { code, report } = await validateJson(['-f', '-', '-f', LEGACY], readFileSync(LEGACY, 'utf8'));
    expect(code).toBe(1);
    expect(new Set(report.diagnostics.map((d) => d.file))).toEqual(new Set(['<stdin>', LEGACY]));
    expect(report.summary).toMatchObject({ documents: 4, files: 2 });
  });

  it('prints YAML with -o yaml', async () => {
    const run = await cli(['validate', '-f', LEGACY, '-o', 'yaml']);
    expect(parse(run.stdout)).toMatchObject({ valid: false, summary: { errors: 4 } });
  });

  it('uses --policy: an Enforce policy turns placement warnings into errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-validate-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, readFileSync(DEFAULT_POLICY_FILE, 'utf8').replace('mode: Audit', 'mode: Enforce'));
    const { code, report } = await validateJson(['-f', '-', '--policy', policy], WARNING_ONLY);
    expect(code).toBe(1);
    expect(report.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'executor-off-cache-nodes' }),
    ]);
  });

  it('checks graphdata policy documents with the same schema and messages as --policy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-validate-'));
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      readFileSync(DEFAULT_POLICY_FILE, 'utf8')
        .replace('mode: Audit', 'mode: Enforse')
        .replace('  cache: alluxio', '  cahce: alluxio')
        .replace('weight: 50', 'weight: 500'),
    );
    const { code, report } = await validateJson(['-f', policy]);
    expect(code).toBe(1);
    expect(report.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['policy-enum', 'spec.mode'],
      ['policy-additionalProperties', 'spec.cahce'],
      ['policy-maximum', 'spec.placement.weight'],
    ]);
    expect(report.diagnostics[0]).toMatchObject({
      line: lineOf(policy, 'mode: Enforse'),
      hint: 'did you mean "Enforce"?',
    });
    // --policy refuses the same file with the very same lines.
    const asPolicy = await cli(['validate', '-f', fixture('spark-good.yaml'), '--policy', policy]);
    expect(asPolicy.code).toBe(1);
    for (const d of report.diagnostics) expect(asPolicy.stderr).toContain(formatDiagnostic(d));
    // And a policy --policy accepts, validate accepts.
    expect((await cli(['validate', '-f', DEFAULT_POLICY_FILE])).code).toBe(0);
  });

  it('runs pods and pod templates through the engine: every inject warning is a validate warning', async () => {
    const file = fixture('engine-warnings.yaml');
    const { code, report } = await validateJson(['-f', file]);
    expect(code).toBe(0);
    expect(report.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([
      ['warning', 'no-target-container', lineOf(file, 'containers:')],
      ['warning', 'unknown-profile', lineOf(file, 'graphdata.io/profile: fast-lane')],
      ['warning', 'images-skipped', lineOf(file, 'apache/spark:latest')],
      ['warning', 'domain-socket-conflict', lineOf(file, '- name: graphdata-alluxio-domain')],
    ]);
    expect((await cli(['validate', '-f', file, '--strict'])).code).toBe(1);
  });

  it('prints every warning inject prints for each fixture, at the same place, with the same words', async () => {
    const dir = fileURLToPath(new URL('../../../fixtures/manifests/', import.meta.url));
    let seen = 0;
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const injected = await cli(['inject', '-f', join(dir, name)]);
      const validated = await cli(['validate', '-f', join(dir, name)]);
      const warnings = injected.stderr.split(/\n(?! )/).filter((w) => w.includes(' warning '));
      for (const w of warnings) expect(validated.stdout, name).toContain(w);
      seen += warnings.length;
    }
    expect(seen).toBeGreaterThanOrEqual(5);
  });

  it('reports YAML syntax errors with their position', async () => {
    const { code, report } = await validateJson(['-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: [\n');
    expect(code).toBe(1);
    expect(report.diagnostics[0]).toMatchObject({ code: 'yaml-syntax', file: '<stdin>', line: expect.any(Number) });
  });

  it('fails on input with no objects, as kubectl does: empty stdin, only comments, an empty List, an empty dir', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'gd-validate-empty-'));
    writeFileSync(join(emptyDir, 'notes.txt'), 'not a manifest');
    const commentsOnly = join(emptyDir, 'comments.yml');
    for (const [args, stdin, hint] of [
      [['-f', '-'], '', 'standard input held no objects'],
      [['-f', '-'], '# kubectl get printed nothing\n---\n', 'standard input held no objects'],
      [['-f', '-'], 'apiVersion: v1\nkind: List\nitems: []\n', 'did the command before the pipe fail?'],
      [['-f', emptyDir], undefined, `${emptyDir} holds no .yaml, .yml or .json files`],
    ] as const) {
      const run = await cli(['validate', ...args], stdin === undefined ? {} : { stdin });
      expect(run, JSON.stringify(stdin)).toMatchObject({ code: 1, stdout: '' });
      expect(run.stderr).toContain('error: no objects passed to validate');
      expect(run.stderr).toContain(hint);
    }
    writeFileSync(commentsOnly, '# nothing yet\n');
    const comments = await cli(['validate', '-f', commentsOnly]);
    expect(comments.code).toBe(1);
    expect(comments.stderr).toContain(`${commentsOnly}: only comments, empty documents or empty Lists`);
    // One empty file among others is fine: kubectl apply -f DIR does not mind either.
    expect((await cli(['validate', '-f', commentsOnly, '-f', fixture('spark-good.yaml')])).code).toBe(0);
  });

  it('exits 2 on usage mistakes', async () => {
    expect((await cli(['validate'])).code).toBe(2);
    expect((await cli(['validate', '-f', LEGACY, '-o', 'xml'])).code).toBe(2);
    expect((await cli(['validate', '-f', LEGACY, '--stirct'])).code).toBe(2);
  });

  it('exits 1 with a hint for a missing file or an unusable policy', async () => {
    const missing = await cli(['validate', '-f', '/nonexistent/cn.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const policy = await cli(['validate', '-f', LEGACY, '--policy', '/nonexistent/policy.yaml']);
    expect(policy.code).toBe(1);
    // The same words as the webhook's `npm start --policy` refusal (common/policy-file.ts).
    expect(policy.stderr).toContain('policy /nonexistent/policy.yaml is invalid:');
    expect(policy.stderr).toContain('error policy-unreadable: no such file');
    expect(policy.stderr).toContain('hint: fix the policy file, or omit --policy to use the built-in default');
  });

  // Loads the cluster client (seconds on a busy machine).
  it('--server says so when the cluster cannot be reached', async () => {
    const kubeconfig = writeKubeconfig({ x: 'https://127.0.0.1:1' });
    const run = await cli(['validate', '-f', fixture('spark-good.yaml'), '--server', '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach the cluster');
    const badContext = await cli([
      'validate',
      '-f',
      fixture('spark-good.yaml'),
      '--server',
      '--kubeconfig',
      kubeconfig,
      '--context',
      'nope',
    ]);
    expect(badContext.stderr).toContain('context "nope" is not in the kubeconfig');
  }, 20_000);
});
