import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BUILT_IN_POLICY } from '../../../../common/cluster-names.js';
import { defaultPolicyPath, loadPolicyFile } from '../../../../common/policy-file.js';
import { inject, policyRef } from '../../../../policies/engine.js';
import { POD_TEMPLATE_KINDS } from '../../../../policies/k8s.js';
import { cli } from '../../../support/run-cli.js';
import { defaultPolicy } from '../../../fixtures/policy.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/manifests/${name}`, import.meta.url));
const docs = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS());

describe('kubectl graphdata inject', () => {
  it('names in its help every kind whose pod template it injects', async () => {
    const run = await cli(['inject', '--help']);
    expect(run.code).toBe(0);
    const help = run.stdout.replace(/\s+/g, ' ');
    for (const kind of [...POD_TEMPLATE_KINDS, 'CronJob']) expect(help, kind).toContain(kind);
  });

  it('prints the pod with exactly what the webhook engine would inject', async () => {
    const run = await cli(['inject', '-f', fixture('executor-pod.yaml')]);
    expect(run.code).toBe(0);
    const [pod] = docs(run.stdout);
    const source = docs(readFileSync(fixture('executor-pod.yaml'), 'utf8'))[0];
    expect(pod).toEqual(inject(source, defaultPolicy(), { namespace: 'tenant-a' }).pod);
  });

  it('injects pod templates, passes other documents through, and warns with file and line', async () => {
    const run = await cli(['inject', '-f', fixture('cn-statefulset.yaml')]);
    expect(run.code).toBe(0);
    const [sts, svc] = docs(run.stdout);
    expect(sts.spec.template.metadata.annotations['graphdata.io/injected']).toContain('starrocks-cn');
    expect(sts.spec.template.spec.containers[0].volumeMounts).toContainEqual(
      expect.objectContaining({ mountPath: '/opt/starrocks/cn/lib/hadoop/hdfs/alluxio-2.9.4-client.jar' }),
    );
    expect(svc).toEqual(docs(readFileSync(fixture('cn-statefulset.yaml'), 'utf8'))[1]);
    // The clashing emptyDir named like our socket volume: warned about at its line.
    expect(run.stderr).toContain(`${fixture('cn-statefulset.yaml')}:17:`);
    expect(run.stderr).toContain('domain-socket-conflict');
    expect(run.stderr).toContain('(spec.template.spec.volumes[0])');
  });

  it('points a warning about a dotted annotation key at its own line', async () => {
    const yaml = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: exec}',
      'spec:',
      '  template:',
      '    metadata:',
      '      labels: {spark-role: executor}',
      '      annotations:',
      '        graphdata.io/profile: no-such-profile',
      '    spec:',
      '      containers: [{name: executor, image: apache/spark:3.5.1}]',
    ].join('\n');
    const run = await cli(['inject', '-f', '-'], { stdin: yaml, env: { NO_COLOR: '1' } });
    expect(run.stderr).toContain('<stdin>:9:31: warning unknown-profile');
    expect(run.stderr).toContain('(spec.template.metadata.annotations["graphdata.io/profile"])');
  });

  it('reads every manifest of a directory, in name order', async () => {
    const run = await cli(['inject', '-f', fixture('')]);
    expect(run.code, run.stderr).toBe(0);
    const names = docs(run.stdout).map((d) => d?.metadata?.name);
    expect(names.indexOf('kube-starrocks-cn')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('kube-starrocks-cn')).toBeLessThan(names.indexOf('wordcount-exec-1'));
  });

  it('reads stdin and prints JSON', async () => {
    const run = await cli(['inject', '-f', '-', '-o', 'json'], {
      stdin: readFileSync(fixture('executor-pod.yaml'), 'utf8'),
    });
    expect(JSON.parse(run.stdout).spec.nodeSelector).toEqual({ alluxio: 'true' });
  });

  it('--diff shows only the added lines, and exits 1 as kubectl diff does when there are any', async () => {
    const run = await cli(['inject', '-f', fixture('executor-pod.yaml'), '--diff']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^--- a\//m);
    expect(run.stdout).toContain("+    alluxio: 'true'");
    expect(run.stdout.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'))).toEqual([]);
  });

  it('re-injecting its own output changes nothing', async () => {
    const first = await cli(['inject', '-f', fixture('cn-statefulset.yaml')]);
    const second = await cli(['inject', '-f', '-', '--diff'], { stdin: first.stdout });
    expect(second.stdout).toBe('');
    expect(second.code).toBe(0);
  });

  it('--diff on input it cannot read exits 2, never 1 (which means "differences")', async () => {
    const run = await cli(['inject', '-f', '-', '--diff'], { stdin: 'kind: Pod\nmetadata: [\n' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: /);
  });

  it('reports a bad path and a broken policy as errors with hints', async () => {
    const missing = await cli(['inject', '-f', '/nonexistent.yaml']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/error: \/nonexistent.yaml: no such file or directory\n {2}hint: /);
    const badPolicy = await cli([
      'inject',
      '-f',
      fixture('executor-pod.yaml'),
      '--policy',
      fixture('cn-statefulset.yaml'),
    ]);
    expect(badPolicy.code).toBe(1);
    expect(badPolicy.stderr).toContain('policy-missing');
  });
});

describe('kubectl graphdata explain -f', () => {
  it('names the workload, the container, the policy and every mutator outcome', async () => {
    const run = await cli(['explain', '-f', fixture('executor-pod.yaml')], { env: { NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Pod/wordcount-exec-1');
    expect(run.stdout).toContain('workload:   spark-executor (label spark-role=executor)');
    expect(run.stdout).toContain('containers: spark-kubernetes-executor');
    // The built-in policy is named as `status` and `version` name it.
    expect(run.stdout).toContain(`policy:     ${BUILT_IN_POLICY}\n`);
    expect(run.stdout).toMatch(/domain-socket\s+applied\s+volume graphdata-alluxio-domain/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('names the built-in policy in every format, and a --policy file by its own reference', async () => {
    const json = JSON.parse((await cli(['explain', '-f', fixture('executor-pod.yaml'), '-o', 'json'])).stdout);
    expect(json.policy).toBe(BUILT_IN_POLICY);
    const yaml = (await cli(['explain', '-f', fixture('executor-pod.yaml'), '-o', 'yaml'])).stdout;
    expect(yaml).toContain(`policy: ${BUILT_IN_POLICY}\n`);
    // The same name is the built-in policy's reference, which injected pods carry, marked as built in.
    expect(BUILT_IN_POLICY).toBe(`${policyRef(await loadPolicyFile())} (built-in)`);
    const dir = mkdtempSync(join(tmpdir(), 'gd-explain-'));
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, readFileSync(defaultPolicyPath(), 'utf8').replace('name: default', 'name: team'));
    const own = await cli(['explain', '-f', fixture('executor-pod.yaml'), '--policy', file], {
      env: { NO_COLOR: '1' },
    });
    expect(own.stdout).toContain('policy:     ClusterGraphDataPolicy/team\n');
  });

  it('explains a pod with no target container without guessing', async () => {
    const pod = readFileSync(fixture('executor-pod.yaml'), 'utf8').replace(
      'name: spark-kubernetes-executor',
      'name: main',
    );
    const run = await cli(['explain', '-f', '-', '-o', 'json'], { stdin: pod });
    const e = JSON.parse(run.stdout);
    expect(e).toMatchObject({ status: 'no-target-container', containers: [], actions: [] });
    expect(e.reason).toContain('it has: main');
  });

  it('needs exactly one of -f and pod/NAME', async () => {
    expect((await cli(['explain'])).code).toBe(2);
  });

  it('checks a graphdata.io/injected record against the pod instead of believing it', async () => {
    const forged = readFileSync(fixture('executor-pod.yaml'), 'utf8').replace(
      /metadata:\n/,
      `metadata:\n  annotations:\n    graphdata.io/injected: '${JSON.stringify({
        policy: 'ClusterGraphDataPolicy/default',
        generation: 1,
        workload: 'spark-executor',
        containers: ['spark-kubernetes-executor'],
        mutators: ['client-jar', 'domain-socket'],
      })}'\n`,
    );
    const run = await cli(['explain', '-f', '-', '-o', 'json'], { stdin: forged });
    const e = JSON.parse(run.stdout);
    expect(e.status).toBe('injected');
    expect(e.recordCheck).toEqual([
      expect.objectContaining({ mutator: 'client-jar', state: 'missing' }),
      expect.objectContaining({ mutator: 'domain-socket', state: 'missing' }),
    ]);
    const injected = await cli(['inject', '-f', fixture('executor-pod.yaml')]);
    const table = await cli(['explain', '-f', '-'], { stdin: injected.stdout, env: { NO_COLOR: '1' } });
    expect(table.stdout).toContain('checked against the pod (it is never trusted)');
    expect(table.stdout).toContain('client-jar: in place');
  });
});

describe('--namespace-labels', () => {
  it('inject and explain see the namespace as the webhook would: no hostPath under restricted', async () => {
    const flags = ['--namespace-labels', 'pod-security.kubernetes.io/enforce=restricted,team=a'];
    const run = await cli(['inject', '-f', fixture('executor-pod.yaml'), ...flags]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.stringify(docs(run.stdout)[0].spec.volumes)).not.toContain('hostPath');
    expect(run.stderr).toContain('domain-socket-skipped');
    const explain = await cli(['explain', '-f', fixture('executor-pod.yaml'), ...flags, '-o', 'json']);
    expect(JSON.parse(explain.stdout).actions).toContainEqual(
      expect.objectContaining({ mutator: 'domain-socket', outcome: 'skipped' }),
    );
  });

  it('a malformed list is a usage error that shows the form', async () => {
    const run = await cli(['inject', '-f', fixture('executor-pod.yaml'), '--namespace-labels', 'restricted']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not key=value');
  });
});

describe('usage mistakes exit 2 with a suggestion', () => {
  it('a misspelt option names the right one and the command help', async () => {
    const run = await cli(['inject', '--diif', '-f', 'x.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('did you mean --diff?');
    expect(run.stderr).toContain('run `kubectl graphdata inject --help`');
  });

  it('a misspelt command names the right one and the top-level help', async () => {
    const run = await cli(['injct']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "injct" — did you mean "inject"?');
    expect(run.stderr).toContain('run `kubectl graphdata --help`');
  });
});
