// scaffold vela-definitions and vela-app, offline: what they print matches KubeVela's CRD
// schemas (test/upstream-crds), names graphdata's definitions, and bad flags are usage
// errors. Their rendering is tested with cue in test/e2e/vela-render.test.ts.
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { crdErrors, hasCrd } from './crd-schema.js';
import { runCli } from '../run-cli.js';

const items = (stdout: string) => {
  const doc = JSON.parse(stdout);
  return (doc.items ?? [doc]) as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }[];
};

describe('scaffold vela-definitions', () => {
  it('prints the trait and three components, valid against KubeVela’s CRDs, in vela-system', async () => {
    const run = await runCli(['scaffold', 'vela-definitions', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const objects = items(run.stdout);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'TraitDefinition/graphdata',
      'ComponentDefinition/graphdata-spark-job',
      'ComponentDefinition/graphdata-starrocks-cn',
      'ComponentDefinition/graphdata-graphscope-engine',
    ]);
    for (const o of objects) {
      expect(hasCrd(o.apiVersion, o.kind)).toBe(true);
      expect(crdErrors(o), o.kind).toEqual([]);
      expect(o.metadata.namespace).toBe('vela-system');
    }
  });

  it('YAML output says where the images come from; --profile must be a policy profile', async () => {
    const run = await runCli(['scaffold', 'vela-definitions', '--registry', 'registry.internal']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('# default images come from registry.internal');
    expect(run.stdout).toContain('image: *"registry.internal/apache/spark:3.5.1" | string');
    const bad = await runCli(['scaffold', 'vela-definitions', '--profile', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--profile nope is not a profile of the policy');
  });
});

describe('scaffold vela-app', () => {
  it('writes an Application with the component type and the trait, valid against its CRD', async () => {
    const run = await runCli([
      'scaffold',
      'vela-app',
      'wordcount',
      '-n',
      'team-a',
      '--type',
      'spark',
      '--main-file',
      'local:///app.jar',
      '--arg',
      'alluxio:///in',
      '--profile',
      'ssd',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const app = parse(run.stdout.replace(/^#.*\n/gm, ''));
    expect(crdErrors(app)).toEqual([]);
    expect(app.spec.components).toEqual([
      {
        name: 'wordcount',
        type: 'graphdata-spark-job',
        properties: { mainFile: 'local:///app.jar', args: ['alluxio:///in'] },
        traits: [{ type: 'graphdata', properties: { profile: 'ssd' } }],
      },
    ]);
  });

  it('refuses an unknown --type, a Spark job without --main-file, Spark flags on other types', async () => {
    for (const [args, message] of [
      [['--type', 'flink'], '--type flink is not one graphdata ships'],
      [['--type', 'spark'], '--main-file is required for --type spark'],
      [['--type', 'graphscope', '--main-class', 'X'], 'are for --type spark'],
    ] as const) {
      const run = await runCli(['scaffold', 'vela-app', 'a', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });
});
