// biome-ignore-all lint/suspicious/noTemplateCurlyInString: shell and envsubst variables are the test data here
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPlaceholder, findPlaceholder, placeholderRule } from '../../../policies/rules/placeholders.js';
import { REPO_ROOT } from '../../support/spawn-webhook.js';
import { runCli as cli } from '../plugin/run-cli.js';
import { pod, run, sparkApp, starRocksCluster } from './helpers.js';

describe('placeholder rule', () => {
  it.each([
    ['<ip>:<port>', '<ip>'],
    ['xxx:xxx', 'xxx'],
    ['http://xxx:8030', 'xxx'],
    ['registry.example.com/spark:3.5.1', 'registry.example.com'],
    ['your-registry/spark:3.5.1', 'your-registry'],
    ['changeme', 'changeme'],
  ])('recognises %s', (text, found) => {
    expect(findPlaceholder(text)).toContain(found);
  });

  it.each([
    'apache/spark:3.5.1',
    'sr-fe-service.analytics:9030',
    'sort <in.txt >out.txt',
    'xxxx-service',
    'box-xxx-1',
    'exampleapp.io/x',
  ])('leaves %s alone', (text) => {
    expect(findPlaceholder(text)).toBeUndefined();
  });

  it('reports an FE address placeholder in a pod env with an FE hint', () => {
    const p = pod({ metadata: { name: 'cn-0', labels: {} } });
    p.spec.containers[0].env = [{ name: 'FE_SERVICE', value: '<ip>:<port>' }];
    const [d] = run(p, {}, placeholderRule);
    expect(d).toMatchObject({ severity: 'error', code: 'placeholder', path: 'spec.containers[0].env[0].value' });
    expect(d!.message).toContain('FE address');
    expect(d!.hint).toContain('9030');
  });

  it('reports placeholder images in StarRocks and Spark objects', () => {
    expect(run(starRocksCluster({ image: 'xxx:xxx' }), {}, placeholderRule).map((d) => d.path)).toEqual([
      'spec.starRocksCnSpec.image',
    ]);
    expect(
      run(sparkApp({ spec: { image: '<your-registry>/spark:3.5.1' } }), {}, placeholderRule).map((d) => d.path),
    ).toEqual(['spec.image']);
  });

  it('stays quiet on real values and ignores annotations', () => {
    expect(
      run(
        [sparkApp(), starRocksCluster(), pod({ metadata: { annotations: { note: 'see https://docs.example.com' } } })],
        {},
        placeholderRule,
      ),
    ).toEqual([]);
  });
});

describe('one placeholder detector for every style', () => {
  it.each([
    ['$REGISTRY/tool:1.0', 'image', '$REGISTRY'],
    ['$account/repo:tag', 'image', '$account'],
    ['${REGISTRY}/spark:3.5.1', 'image', '${REGISTRY}'],
    ['registry.internal/${TEAM}/app:1.0', 'image', '${TEAM}'],
    ['<your-namespace>', 'name', '<your-namespace>'],
    ['$NAMESPACE', 'name', '$NAMESPACE'],
    ['${VAR}', 'value', '${VAR}'],
    ['$FE_ADDRESS', 'value', '$FE_ADDRESS'],
    ['REPLACE_ME', 'value', 'REPLACE_ME'],
    ['replace-me', 'value', 'replace-me'],
    ['CHANGEME', 'value', 'CHANGEME'],
    ['<ip>:<port>', 'value', '<ip>'],
    ['xxx:xxx', 'image', 'xxx'],
  ] as const)('finds %s in a %s', (text, field, found) => {
    expect(detectPlaceholder(text, field)?.text).toBe(found);
  });

  it.each([
    // Kubernetes expands $(VAR) in env, command and args: that is no placeholder.
    ['$(POD_IP):9030', 'value'],
    // A command line or a Java option that uses a variable on purpose.
    ["sh -c 'echo $HOME'", 'value'],
    ['-Dalluxio.home=${ALLUXIO_HOME}', 'value'],
    // Spark's own substitution syntax.
    ['${env:HOME}', 'value'],
    ['price: $5', 'value'],
    ['registry.internal:5000/spark:3.5.1', 'image'],
  ] as const)('leaves %s in a %s alone', (text, field) => {
    expect(detectPlaceholder(text, field)).toBeUndefined();
  });

  it('finds every placeholder the walkthroughs show', () => {
    const pages = ['docs/walkthroughs.md', 'README.md'].map((f) => readFileSync(join(REPO_ROOT, f), 'utf8')).join('\n');
    const shown = [...pages.matchAll(/`([^`\n]*(?:<[A-Za-z][^`>]*>|xxx|\$\{?[A-Za-z])[^`\n]*)`/g)].map((m) => m[1]!);
    expect(shown.length).toBeGreaterThan(0);
    for (const text of shown.filter((t) => !t.includes(' ')))
      expect(findPlaceholder(text, 'image'), text).toBeDefined();
  });
});

describe('validate: placeholders in a Spark pod', () => {
  const POD = `apiVersion: v1
kind: Pod
metadata:
  name: spark-exec
  namespace: <your-namespace>
  labels: {spark-role: executor}
spec:
  containers:
    - name: executor
      image: $REGISTRY/tool:1.0
    - name: b
      image: $account/repo:tag
    - name: c
      image: Registry.Example.com/UPPER:1.0
    - name: d
      image: registry.example.com/spark:3.5.1
      env:
        - {name: A, value: REPLACE_ME}
        - {name: B, value: "\${VAR}"}
        - {name: C, value: "$(POD_IP)"}
`;

  it('says each once, with a hint for Spark, and an uppercase repository is an invalid reference', async () => {
    const run = await cli(['validate', '-f', '-', '-o', 'json'], { stdin: POD });
    const { diagnostics } = JSON.parse(run.stdout) as {
      diagnostics: { severity: string; code: string; path: string; hint?: string; message: string }[];
    };
    expect(diagnostics.map((d) => [d.severity, d.code, d.path])).toEqual([
      ['error', 'placeholder', 'metadata.namespace'],
      ['error', 'placeholder', 'spec.containers[0].image'],
      ['error', 'placeholder', 'spec.containers[1].image'],
      ['error', 'image-reference', 'spec.containers[2].image'],
      ['error', 'placeholder', 'spec.containers[3].image'],
      ['error', 'placeholder', 'spec.containers[3].env[0].value'],
      ['warning', 'placeholder', 'spec.containers[3].env[1].value'],
    ]);
    expect(diagnostics.map((d) => d.hint ?? '').join('\n')).not.toContain('starrocks');
    expect(diagnostics[1]!.hint).toContain('apache/spark');
    expect(diagnostics[3]!.message).toContain('repository "UPPER" must be lowercase');
    expect(diagnostics[3]!.hint).toBe('write Registry.Example.com/upper:1.0');
  });

  it('names a placeholder namespace once on any kind', async () => {
    const run = await cli(['validate', '-f', '-', '-o', 'json'], {
      stdin: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: <your-namespace>\n',
    });
    const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: { code: string; path: string }[] };
    expect(diagnostics.map((d) => [d.code, d.path])).toEqual([['placeholder', 'metadata.namespace']]);
  });
});
