// Fluid mode offline: `inject`, `explain` and `validate` read the AlluxioRuntime from the
// input documents, as the webhook reads it from the cluster.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cli } from '../../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'gd-fluid-mode-'));
const policy = join(dir, 'policy.yaml');
writeFileSync(
  policy,
  'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: fluid}\nspec: {cache: fluid}\n',
);

const pod = `apiVersion: v1
kind: Pod
metadata:
  name: exec-1
  namespace: analytics
  labels: {spark-role: executor}
  annotations: {graphdata.io/dataset: sales}
spec:
  containers: [{name: executor, image: apache/spark:3.5.1}]
`;
const runtime = (phase: string, namespace = 'analytics') => `---
apiVersion: data.fluid.io/v1alpha1
kind: AlluxioRuntime
metadata: {name: sales, namespace: ${namespace}}
spec:
  master: {ports: {rpc: 20003}}
status: {masterPhase: ${phase}}
`;
const javaOptions = (stdout: string) => {
  const out = parseAllDocuments(stdout).map((d) => d.toJS());
  const env = out.find((o) => o.kind === 'Pod').spec.containers[0].env as { name: string; value?: string }[];
  return env.find((e) => e.name === 'JAVA_TOOL_OPTIONS')?.value ?? '';
};

describe('cache: fluid in the offline commands', () => {
  it('inject takes the master from the AlluxioRuntime in the input, wherever it stands', async () => {
    for (const input of [pod + runtime('Ready'), runtime('Ready') + pod.replace(/^/, '---\n')]) {
      const run = await cli(['inject', '--policy', policy, '-f', '-'], { stdin: input });
      expect(run.code, run.stderr).toBe(0);
      expect(javaOptions(run.stdout)).toContain(
        '-Dalluxio.master.hostname=sales-master-0.analytics -Dalluxio.master.rpc.port=20003',
      );
    }
  });

  it('inject without the runtime, with it not ready, or in another namespace: no master, a warning that says why', async () => {
    const cases: [string, string][] = [
      [pod, 'there is no AlluxioRuntime sales in namespace analytics'],
      [pod + runtime('NotReady'), 'AlluxioRuntime sales in namespace analytics is not ready'],
      [pod + runtime('Ready', 'other'), 'there is no AlluxioRuntime sales in namespace analytics'],
    ];
    for (const [input, why] of cases) {
      const run = await cli(['inject', '--policy', policy, '-f', '-'], { stdin: input, env: { NO_COLOR: '1' } });
      expect(run.code, run.stderr).toBe(0);
      expect(javaOptions(run.stdout)).not.toContain('-Dalluxio.master');
      expect(run.stderr).toContain('warning client-config-skipped');
      expect(run.stderr).toContain(why);
    }
  });

  it('explain and validate see the same runtime', async () => {
    const explained = await cli(['explain', '--policy', policy, '-f', '-'], { stdin: pod + runtime('NotReady') });
    expect(explained.stdout + explained.stderr).toContain('is not ready (status.masterPhase is NotReady)');
    const ok = await cli(['validate', '--policy', policy, '-f', '-'], { stdin: pod + runtime('Ready') });
    expect(ok.stdout + ok.stderr).not.toContain('client-config-skipped');
    const pending = await cli(['validate', '--policy', policy, '-f', '-'], { stdin: pod + runtime('NotReady') });
    expect(pending.stdout + pending.stderr).toContain('client-config-skipped');
  });
});
