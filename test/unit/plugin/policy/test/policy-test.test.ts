// `kubectl graphdata policy test`: the shipped suites pass, a suite whose expectations
// are wrong fails with a report of each mismatch, a malformed suite names file, line and
// field path.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containsMismatches, equalMismatches } from '../../../../../policies/expectations.js';
import { REPO_ROOT } from '../../../../support/spawn-webhook.js';
import { runCli as cli } from '../../run-cli.js';

const EXAMPLES = join(REPO_ROOT, 'examples', 'policy-tests');
const FAILING = join(REPO_ROOT, 'test', 'fixtures', 'policy-tests', 'failing');

interface JsonReport {
  passed: boolean;
  summary: { suites: number; malformed: number; results: number; passed: number; failed: number };
  suites: {
    name: string;
    diagnostics: { code: string; file?: string; line?: number; path?: string; message: string }[];
    results: {
      resource: string;
      policy: string;
      operation: string;
      passed: boolean;
      mismatches: string[];
      actual: { verdict: string; denial?: string; warnings: string[]; webhooks: string[] };
    }[];
  }[];
}

const json = async (args: string[]) => {
  const run = await cli(['policy', 'test', ...args, '-o', 'json']);
  return { code: run.code, report: JSON.parse(run.stdout) as JsonReport };
};

/** A suite folder in a temporary directory: file name → content. */
function suiteDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gd-policy-test-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const POD = `apiVersion: v1
kind: Pod
metadata: {name: exec-1, namespace: analytics, labels: {spark-role: executor}}
spec:
  containers: [{name: spark-kubernetes-executor, image: apache/spark:3.5.1}]
`;

describe('policy test on the shipped suites', () => {
  it('passes every walkthrough suite (Spark + Alluxio, StarRocks CN, Fluid, GraphScope)', async () => {
    const run = await cli(['policy', 'test', EXAMPLES], { env: { NO_COLOR: '1' } });
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    for (const suite of ['spark-alluxio', 'starrocks-cn', 'fluid', 'graphscope'])
      expect(run.stdout).toMatch(new RegExp(`^${suite} .* pass$`, 'm'));
    expect(run.stdout).toMatch(/^\d+ results in 4 suites: \d+ passed, 0 failed\n$/m);
    expect(run.stdout).not.toContain('\u001b['); // NO_COLOR
  });

  it('-o json lists every result with what admission did', async () => {
    const { code, report } = await json([EXAMPLES]);
    expect(code).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.summary).toMatchObject({ suites: 4, malformed: 0, failed: 0 });
    const spark = report.suites.find((s) => s.name === 'spark-alluxio')!;
    const quay = spark.results.find((r) => r.resource === 'Pod/wordcount-exec-quay')!;
    expect(quay.actual.verdict).toBe('deny');
    expect(quay.actual.denial).toContain('(spec.containers[0].image)');
    // The UPDATE results: a pod whose spec changes (an image set, an ephemeral container added)
    // and an edited SparkApplication reach /validate, never /mutate; a relabelled pod reaches neither.
    const updates = spark.results.filter((r) => r.operation === 'UPDATE');
    expect(updates.map((r) => [r.resource, r.passed, r.actual.verdict, r.actual.webhooks])).toEqual([
      ['Pod/wordcount-exec-1-set-image', true, 'deny', ['validate']],
      ['Pod/wordcount-exec-1-debug', true, 'deny', ['validate']],
      ['Pod/wordcount-exec-1-debug-busybox', true, 'allow', ['validate']],
      ['Pod/wordcount-exec-quay-labelled', true, 'allow', []],
      ['SparkApplication/wordcount-quay', true, 'deny', ['validate']],
      ['SparkApplication/wordcount-big', true, 'warn', ['validate']],
      ['SparkApplication/wordcount-quay-scaled', true, 'warn', ['validate']],
    ]);
    // StarRocks: an edited ComputeNodeGroup and HPA are checked again at UPDATE, with the field to change.
    const starrocks = report.suites.find((s) => s.name === 'starrocks-cn')!;
    const cnUpdates = starrocks.results.filter((r) => r.operation === 'UPDATE');
    expect(cnUpdates.map((r) => [r.resource, r.passed, r.actual.verdict, r.actual.webhooks])).toEqual([
      ['ComputeNodeGroup/cn-pool-scaled', true, 'deny', ['validate']],
      ['HorizontalPodAutoscaler/cn-pool-hpa-inverted', true, 'deny', ['validate']],
    ]);
    expect(cnUpdates[0]!.actual.denial).toContain('(spec.replicas)');
    expect(cnUpdates[1]!.actual.denial).toContain('(spec.minReplicas)');
  });
});

describe('policy test on a suite with wrong expectations', () => {
  it('exits 1 and reports each mismatch with its field path', async () => {
    const run = await cli(['policy', 'test', FAILING], { env: { NO_COLOR: '1' } });
    expect(run.code).toBe(1);
    const out = run.stdout;
    expect(out).toContain(
      '- verdict: expected allow, got deny: error registry-not-allowed: image quay.io/acme/spark:3.5.1 comes from quay.io',
    );
    expect(out).toContain('- message: no denial contains "executor-cores-over-limit" (got: error registry-not-allowed');
    expect(out).toContain(
      '- injected: spec.containers[0].volumeMounts[1].mountPath: expected "/mnt/domain", got "/opt/domain"',
    );
    expect(out).toContain('- patchedResource: metadata.labels.team: missing (expected "a")');
    expect(out).toContain('- patchedResource: spec.nodeSelector: not expected, got {"alluxio":"true"}');
    expect(out).toMatch(/^4 results in 1 suite: 0 passed, 4 failed$/m);
    expect((out.match(/ FAIL$/gm) ?? []).length).toBe(4);
  });

  it('fails the whole run when one suite of several fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-policy-tests-'));
    for (const [name, text] of Object.entries({
      'graphdata-test.yaml': readFileSync(join(FAILING, 'graphdata-test.yaml'), 'utf8'),
      'pods.yaml': readFileSync(join(FAILING, 'pods.yaml'), 'utf8'),
      'policy.yaml': readFileSync(join(FAILING, 'policy.yaml'), 'utf8'),
      'exec-1.expected.yaml': readFileSync(join(FAILING, 'exec-1.expected.yaml'), 'utf8'),
    })) {
      mkdirSync(join(dir, 'b'), { recursive: true });
      writeFileSync(join(dir, 'b', name), text);
    }
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'pods.yaml'), POD);
    writeFileSync(
      join(dir, 'a', 'graphdata-test.yaml'),
      'apiVersion: cli.graphdata.io/v1alpha1\nkind: PolicyTest\nresources: [pods.yaml]\nresults:\n  - {resource: Pod/exec-1, verdict: allow}\n',
    );
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    expect(report.summary).toMatchObject({ suites: 2, results: 5, passed: 1, failed: 4 });
  });
});

describe('policy test with a namespace policy', () => {
  it('lays a GraphDataPolicy over the cluster policy in its namespace only', async () => {
    const pod = (ns: string) => POD.replace('namespace: analytics', `namespace: ${ns}`).replace('exec-1', `exec-${ns}`);
    const dir = suiteDir({
      'graphdata-test.yaml': [
        'apiVersion: cli.graphdata.io/v1alpha1',
        'kind: PolicyTest',
        'policies: [c.yaml, team-a.yaml]',
        'resources: [pods.yaml]',
        'results:',
        '  - {resource: Pod/exec-team-a, verdict: deny, message: "registry-not-allowed"}',
        '  - {resource: Pod/exec-team-b, verdict: allow}',
        '',
      ].join('\n'),
      'pods.yaml': `${pod('team-a')}---\n${pod('team-b')}`,
      'c.yaml':
        'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: c}\nspec: {mode: Enforce}\n',
      'team-a.yaml':
        'apiVersion: graphdata.io/v1alpha1\nkind: GraphDataPolicy\nmetadata: {name: a, namespace: team-a}\nspec:\n  limits: {allowedRegistries: [registry.internal]}\n',
    });
    const { code, report } = await json([dir]);
    expect(report.suites[0]!.diagnostics).toEqual([]);
    expect(code).toBe(0);
    expect(report.suites[0]!.results.map((r) => [r.resource, r.actual.verdict])).toEqual([
      ['Pod/exec-team-a', 'deny'],
      ['Pod/exec-team-b', 'allow'],
    ]);
  });
});

const app = (name: string, image: string, extra = '') => `apiVersion: sparkoperator.k8s.io/v1beta2
kind: SparkApplication
metadata: {name: ${name}, namespace: analytics${extra}}
spec:
  type: Scala
  mode: cluster
  image: ${image}
  mainApplicationFile: local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar
  sparkVersion: 3.5.1
  driver: {cores: 1, memory: 1g}
  executor: {instances: 1, cores: 1, memory: 1g}
`;
const ENFORCE_DOCKER_HUB =
  'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: c}\nspec:\n  mode: Enforce\n  limits: {allowedRegistries: [docker.io]}\n';

describe('policy test with namespaceOverrides', () => {
  it('applies the overrides the suite namespace labels select, and names them', async () => {
    const exec = (name: string, namespace: string) =>
      POD.replace('exec-1', name).replace('namespace: analytics', `namespace: ${namespace}`);
    const dir = suiteDir({
      'graphdata-test.yaml': [
        'apiVersion: cli.graphdata.io/v1alpha1',
        'kind: PolicyTest',
        'policies: [c.yaml]',
        'resources: [pods.yaml]',
        'namespaceLabels:',
        '  locked: {tier: locked}',
        'results:',
        '  - {resource: Pod/exec-open, verdict: allow}',
        '  - {resource: Pod/exec-locked, verdict: deny, message: registry-not-allowed}',
        '',
      ].join('\n'),
      'pods.yaml': [exec('exec-open', 'open'), exec('exec-locked', 'locked')].join('---\n'),
      'c.yaml': [
        'apiVersion: graphdata.io/v1alpha1',
        'kind: ClusterGraphDataPolicy',
        'metadata: {name: c}',
        'spec:',
        '  mode: Enforce',
        '  limits: {allowedRegistries: [docker.io, registry.internal]}',
        '  namespaceOverrides:',
        '    - {name: locked, namespaceSelector: {matchLabels: {tier: locked}}, limits: {allowedRegistries: [registry.internal]}}',
        '',
      ].join('\n'),
    });
    const { code, report } = await json([dir]);
    expect(report.suites[0]!.diagnostics).toEqual([]);
    expect(code, JSON.stringify(report.suites[0]!.results)).toBe(0);
    expect(report.suites[0]!.results.map((r) => r.policy)).toEqual([
      'ClusterGraphDataPolicy/c',
      'ClusterGraphDataPolicy/c with namespaceOverrides locked',
    ]);
  });
});

describe('policy test at UPDATE', () => {
  it('reports what the webhooks do at UPDATE: pods are not injected, only what a change breaks is denied', async () => {
    const quayPod = POD.replace('exec-1', 'exec-quay').replace('apache/spark:3.5.1', 'quay.io/acme/spark:3.5.1');
    const debugged = `${POD.replace('exec-1', 'exec-debug')}  ephemeralContainers:\n  - {name: dbg, image: quay.io/acme/debug:1}\n`;
    const dir = suiteDir({
      'graphdata-test.yaml': [
        'apiVersion: cli.graphdata.io/v1alpha1',
        'kind: PolicyTest',
        'policies: [c.yaml]',
        'resources: [pods.yaml, apps.yaml]',
        'results:',
        '  - {resource: Pod/exec-quay, verdict: deny, message: registry-not-allowed}',
        // A pod at UPDATE is never injected; its spec unchanged, it is not checked either.
        '  - {resource: Pod/exec-quay, operation: UPDATE, oldResource: Pod/exec-quay, verdict: allow}',
        // An image set on a stored pod: /validate denies it, as at CREATE.
        '  - {resource: Pod/exec-quay, operation: UPDATE, oldResource: Pod/exec-1, verdict: deny,',
        '     message: registry-not-allowed}',
        // kubectl debug: the ephemeral container's image is judged too.
        '  - {resource: Pod/exec-debug, operation: UPDATE, subresource: ephemeralcontainers, oldResource: Pod/exec-1,',
        '     verdict: deny, message: "image quay.io/acme/debug:1"}',
        '  - {resource: SparkApplication/quay, verdict: deny, message: registry-not-allowed}',
        // The change brings the other registry in: denied.
        '  - {resource: SparkApplication/quay, operation: UPDATE, oldResource: SparkApplication/ok, verdict: deny}',
        // The stored object already had it: a warning, as the webhook gives.
        '  - {resource: SparkApplication/quay, operation: UPDATE, oldResource: SparkApplication/quay-v0, verdict: warn,',
        '     message: registry-not-allowed}',
        // Same spec, no profile annotation: the match condition sends it to no webhook.
        '  - {resource: SparkApplication/quay, operation: UPDATE, oldResource: SparkApplication/quay, verdict: allow}',
        '',
      ].join('\n'),
      'pods.yaml': [quayPod, POD, debugged].join('---\n'),
      'apps.yaml': [
        app('ok', 'apache/spark:3.5.1'),
        app('quay', 'quay.io/acme/spark:3.5.1'),
        app('quay-v0', 'quay.io/acme/spark:3.5.1').replace('instances: 1', 'instances: 2'),
      ].join('---\n'),
      'c.yaml': ENFORCE_DOCKER_HUB,
    });
    const { code, report } = await json([dir]);
    expect(report.suites[0]!.diagnostics).toEqual([]);
    const results = report.suites[0]!.results;
    expect(results.map((r) => [r.operation, r.actual.verdict, r.actual.webhooks])).toEqual([
      ['CREATE', 'deny', ['mutate', 'validate']],
      ['UPDATE', 'allow', []],
      ['UPDATE', 'deny', ['validate']],
      ['UPDATE', 'deny', ['validate']],
      ['CREATE', 'deny', ['validate']],
      ['UPDATE', 'deny', ['validate']],
      ['UPDATE', 'warn', ['validate']],
      ['UPDATE', 'allow', []],
    ]);
    expect(code, JSON.stringify(results.filter((r) => !r.passed))).toBe(0);
    // A pod at UPDATE comes back as it went in: expecting the injection fails, saying what is missing.
    const table = await cli(['policy', 'test', dir], { env: { NO_COLOR: '1' } });
    expect(table.stdout).toMatch(
      /Pod\/exec-quay \(analytics\) +ClusterGraphDataPolicy\/c +allow at UPDATE from Pod\/exec-quay +pass/,
    );
  });

  it('caps the mutating webhook warnings at 15 as /mutate does, the rest counted in the last', async () => {
    const sidecars = Array.from({ length: 40 }, (_, i) => `  - {name: side-${i}, image: floating}`).join('\n');
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: exec-1, namespace: analytics, labels: {spark-role: executor}}
spec:
  containers:
${sidecars}
  - {name: executor, image: floating}
`;
    const dir = suiteDir({
      'graphdata-test.yaml':
        'apiVersion: cli.graphdata.io/v1alpha1\nkind: PolicyTest\nresources: [pods.yaml]\nresults:\n  - {resource: Pod/exec-1, verdict: warn}\n',
      'pods.yaml': pod,
    });
    const { report } = await json([dir]);
    const warnings = report.suites[0]!.results[0]!.actual.warnings;
    const closing = warnings.findIndex((w) =>
      /^graphdata: \d+ more warnings not shown; kubectl graphdata explain/.test(w),
    );
    expect(closing).toBe(14);
    expect(warnings.filter((w) => w.includes('more warnings not shown'))).toHaveLength(1);
  });
});

describe('a malformed suite', () => {
  const suite = (results: string, extra = '') =>
    `apiVersion: cli.graphdata.io/v1alpha1\nkind: PolicyTest\nresources: [pods.yaml]\n${extra}results:\n${results}`;

  it.each([
    ['a misspelt field', '  - resource: Pod/exec-1\n    verdcit: allow\n', 6, 'results[0].verdcit', 'unknown field'],
    [
      'an unknown verdict',
      '  - resource: Pod/exec-1\n    verdict: accept\n',
      6,
      'results[0].verdict',
      'allow, warn, deny',
    ],
    [
      'a resource not in the files',
      '  - resource: Pod/exec-2\n    verdict: allow\n',
      5,
      'results[0].resource',
      'no Pod/exec-2',
    ],
    ['a result that expects nothing', '  - resource: Pod/exec-1\n', 5, 'results[0]', 'expects nothing'],
    [
      'an UPDATE without the stored object',
      '  - resource: Pod/exec-1\n    operation: UPDATE\n    verdict: allow\n',
      6,
      'results[0].operation',
      'add oldResource: KIND/NAME',
    ],
    [
      'an oldResource on CREATE',
      '  - resource: Pod/exec-1\n    oldResource: Pod/exec-1\n    verdict: allow\n',
      6,
      'results[0].oldResource',
      'add operation: UPDATE',
    ],
    [
      'an oldResource of another kind',
      '  - resource: Pod/exec-1\n    operation: UPDATE\n    oldResource: ServiceAccount/exec-1\n    verdict: allow\n',
      7,
      'results[0].oldResource',
      'an UPDATE keeps the kind',
    ],
    [
      'a subresource on CREATE',
      '  - resource: Pod/exec-1\n    subresource: ephemeralcontainers\n    verdict: allow\n',
      6,
      'results[0].subresource',
      'add operation: UPDATE',
    ],
    [
      'a subresource pods do not have judged',
      '  - resource: Pod/exec-1\n    operation: UPDATE\n    oldResource: Pod/exec-1\n    subresource: status\n    verdict: allow\n',
      8,
      'results[0].subresource',
      'ephemeralcontainers, resize',
    ],
    [
      'a message without deny or warn',
      '  - resource: Pod/exec-1\n    verdict: allow\n    message: x\n',
      7,
      'results[0].message',
      'verdict: deny',
    ],
  ])('%s is an error with file:line and field path', async (_what, results, line, path, text) => {
    const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: exec-1, namespace: analytics}\n';
    const dir = suiteDir({ 'graphdata-test.yaml': suite(results), 'pods.yaml': `${POD}---\n${sa}` });
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    expect(report.summary.malformed).toBe(1);
    const [d] = report.suites[0]!.diagnostics;
    expect(d).toMatchObject({ file: join(dir, 'graphdata-test.yaml'), line, path });
    expect(JSON.stringify(d)).toContain(text);
    // The table shows them as compiler-style lines.
    const table = await cli(['policy', 'test', dir], { env: { NO_COLOR: '1' } });
    expect(table.stdout).toContain(`${join(dir, 'graphdata-test.yaml')}:${line}:`);
    expect(table.stdout).toContain(`(${path})`);
  });

  it('a policy file that does not load names the suite line and the policy finding', async () => {
    const dir = suiteDir({
      'graphdata-test.yaml': suite('  - {resource: Pod/exec-1, verdict: allow}\n', 'policies: [policy.yaml]\n'),
      'pods.yaml': POD,
      'policy.yaml':
        'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: p}\nspec: {mode: Strict}\n',
    });
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    const diagnostics = report.suites[0]!.diagnostics;
    expect(diagnostics[0]).toMatchObject({ line: 4, path: 'policies[0]', code: 'suite-policy' });
    expect(diagnostics[1]).toMatchObject({ file: join(dir, 'policy.yaml'), line: 4, path: 'spec.mode' });
  });

  it('several policies and a result that does not say which is an error', async () => {
    const policy = (name: string) =>
      `apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: ${name}}\nspec: {}\n`;
    const dir = suiteDir({
      'graphdata-test.yaml': suite('  - {resource: Pod/exec-1, verdict: allow}\n', 'policies: [a.yaml, b.yaml]\n'),
      'pods.yaml': POD,
      'a.yaml': policy('a'),
      'b.yaml': policy('b'),
    });
    const { report } = await json([dir]);
    expect(report.suites[0]!.diagnostics[0]).toMatchObject({ code: 'suite-policy-ambiguous', path: 'results[0]' });
  });

  it('a GraphDataPolicy that loosens the cluster policy is an error naming the field, as the cluster rejects it', async () => {
    const dir = suiteDir({
      'graphdata-test.yaml': suite('  - {resource: Pod/exec-1, verdict: allow}\n', 'policies: [c.yaml, ns.yaml]\n'),
      'pods.yaml': POD,
      'c.yaml': `apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: c}\nspec:\n  limits: {maxExecutorCores: 4}\n`,
      'ns.yaml': `apiVersion: graphdata.io/v1alpha1\nkind: GraphDataPolicy\nmetadata: {name: loose, namespace: analytics}\nspec:\n  limits: {maxExecutorCores: 16}\n`,
    });
    const { code, report } = await json([dir]);
    expect(code).toBe(1);
    const [d, why] = report.suites[0]!.diagnostics;
    expect(d).toMatchObject({ code: 'suite-policy-loosens', line: 6, path: 'results[0]' });
    expect(why).toMatchObject({ code: 'policy-loosens-cluster', path: 'spec.limits.maxExecutorCores' });
  });

  it('a directory without suites, or a missing one, is an error', async () => {
    const empty = await cli(['policy', 'test', mkdtempSync(join(tmpdir(), 'gd-empty-'))]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no graphdata-test.yaml under');
    const missing = await cli(['policy', 'test', '/nonexistent/dir']);
    expect(missing.code).toBe(1); // as `validate -f` and kubectl for a missing path
    expect(missing.stderr).toContain('/nonexistent/dir: no such file or directory');
  });
});

describe('expectation matching', () => {
  it('a list matches when every expected element is found, in order, other elements between', () => {
    const env = [{ name: 'A' }, { name: 'B', value: '1' }, { name: 'C' }];
    expect(containsMismatches([{ name: 'A' }, { name: 'C' }], env)).toEqual([]);
    expect(containsMismatches([{ name: 'C' }, { name: 'A' }], env)).toEqual([
      '[1]: no element of (the resource) after [2] matches {"name":"A"}',
    ]);
    expect(containsMismatches({ env: [{ name: 'B', value: '2' }] }, { env })).toEqual([
      'env[1].value: expected "2", got "1"',
    ]);
  });

  it('scalars compare with their type; missing keys are named', () => {
    expect(containsMismatches({ a: { b: '1' } }, { a: { b: 1 } })).toEqual(['a.b: expected "1", got 1']);
    expect(containsMismatches({ a: { c: true } }, { a: {} })).toEqual(['a.c: missing (expected true)']);
  });

  it('a whole resource is compared field by field', () => {
    expect(equalMismatches({ a: 1, b: [1, 2] }, { a: 1, b: [1, 2] })).toEqual([]);
    expect(equalMismatches({ a: 1, b: [1] }, { a: 2, b: [1, 3], c: 'x' }).sort()).toEqual([
      'a: expected 1, got 2',
      'b[1]: not expected, got 3',
      'c: not expected, got "x"',
    ]);
  });
});

describe('policy test: pod-level opt-in (a namespace not labelled graphdata.io/inject=enabled)', () => {
  const CLUSTER = `apiVersion: graphdata.io/v1alpha1
kind: ClusterGraphDataPolicy
metadata: {name: platform}
spec:
  mode: Enforce
  podOptIn:
    namespaceSelector:
      matchLabels: {platform.example/vela-apps: "true"}
`;
  const pod = (name: string, namespace: string, labels: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}, labels: {spark-role: executor${labels}}}
spec:
  containers: [{name: spark-kubernetes-executor, image: apache/spark:3.5.1, args: [executor]}]
`;
  const UNLABELLED_EDIT = pod('labelled', 'apps', '').replace('name: labelled', 'name: unlabelled-edit');

  it('injects a labelled pod where podOptIn allows it, denies it elsewhere, and leaves unlabelled pods alone', async () => {
    const dir = suiteDir({
      'policy.yaml': CLUSTER,
      'pods.yaml': [
        pod('labelled', 'apps', ', graphdata.io/inject: enabled'),
        pod('plain', 'apps', ''),
        pod('labelled', 'other', ', graphdata.io/inject: enabled'),
        UNLABELLED_EDIT,
      ].join('---\n'),
      'graphdata-test.yaml': `apiVersion: cli.graphdata.io/v1alpha1
kind: PolicyTest
metadata: {name: pod-level}
policies: [policy.yaml]
resources: [pods.yaml]
namespaceLabels:
  apps: {graphdata.io/inject: "false", platform.example/vela-apps: "true"}
  other: {graphdata.io/inject: "false"}
results:
  - resource: Pod/labelled
    namespace: apps
    verdict: allow
    injected: {spec: {nodeSelector: {alluxio: "true"}}}
  - resource: Pod/plain
    namespace: apps
    verdict: allow
  - resource: Pod/labelled
    namespace: other
    verdict: deny
    message: "pod-opt-in-not-allowed: pod-level opt-in is not allowed here: ClusterGraphDataPolicy platform allows pod-level opt-in only in namespaces matching platform.example/vela-apps=true"
  - resource: Pod/unlabelled-edit
    namespace: apps
    operation: UPDATE
    oldResource: Pod/labelled
    verdict: deny
    message: pod-opt-in-label-removed
`,
    });
    const { code, report } = await json([dir]);
    const results = report.suites[0]!.results;
    expect(report.suites[0]!.diagnostics).toEqual([]);
    expect(results.map((r) => [r.resource, r.passed, r.mismatches])).toEqual([
      ['Pod/labelled', true, []],
      ['Pod/plain', true, []],
      ['Pod/labelled', true, []],
      ['Pod/unlabelled-edit', true, []],
    ]);
    expect(code).toBe(0);
    // The unlabelled pod reached no webhook; the one not allowed was warned by /mutate, denied by /validate.
    expect(results[1]!.actual.webhooks).toEqual([]);
    expect(results[2]!.actual.webhooks).toEqual(['mutate', 'validate']);
    expect(results[2]!.actual.warnings[0]).toContain('the pod was not injected: pod-level opt-in is not allowed here');
  });
});
