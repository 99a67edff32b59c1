// The cluster commands' offline paths: install --dry-run=client, certs on files, the
// ✓/✗ renderer (NO_COLOR) and usage errors. The cluster paths run in test/e2e/install.test.ts.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it, vi } from 'vitest';
import { inspectCert, splitPemCerts, verifyChain } from '../../../../certs/pki.js';
import { renderChecks, selects } from '../../../../plugin/output/checks.js';
import { painter } from '../../../../plugin/output/format.js';
import { runCli } from '../run-cli.js';

// RSA 3072 CA keys take seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const tmp = () => mkdtempSync(join(tmpdir(), 'gd-certs-cmd-'));

describe('install --dry-run=client', () => {
  it('prints the whole bundle as YAML with a note on the Secrets, without a cluster', async () => {
    const run = await runCli([
      'install',
      '--dry-run=client',
      '-o',
      'yaml',
      '--kubeconfig',
      '/nonexistent',
      '--replicas',
      '3',
      '--image',
      'registry.example.com/graphdata-webhook:0.1.0',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toContain('Deployment');
    expect(docs.find((d) => d.kind === 'Deployment').spec.replicas).toBe(3);
    expect(docs.find((d) => d.kind === 'Deployment').spec.template.spec.containers[0].image).toBe(
      'registry.example.com/graphdata-webhook:0.1.0',
    );
    const tls = docs.find((d) => d.metadata.name === 'graphdata-webhook-tls');
    const hook = docs.find((d) => d.kind === 'MutatingWebhookConfiguration').webhooks[0];
    const bundle = Buffer.from(hook.clientConfig.caBundle, 'base64').toString();
    expect(verifyChain(tls.stringData['tls.crt'], bundle).valid).toBe(true);
    expect(run.stderr).toMatch(/note: .*graphdata-webhook-tls.*Keep them out of Git/s);
  });

  it("--cpu and --memory set the webhook container's limits; CPUs the memory cannot hold are named", async () => {
    const install = (...extra: string[]) =>
      runCli(['install', '--dry-run=client', '--kubeconfig', '/nonexistent', '--image', 'r/i:1', ...extra]);
    const run = await install('-o', 'yaml', '--cpu', '2', '--memory', '1100Mi');
    expect(run.code, run.stderr).toBe(0);
    const deployment = parseAllDocuments(run.stdout)
      .map((d) => d.toJS())
      .find((d) => d.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].resources.limits).toEqual({ cpu: '2', memory: '1100Mi' });
    const short = await install('--cpu', '2');
    expect(short.code, short.stderr).toBe(0);
    expect(short.stderr).toMatch(
      /warning: --cpu 2 asks for 2 serving processes per pod, but --memory 512Mi holds 1; give --memory 1088Mi for 2/,
    );
    const tooSmall = await install('--memory', '200Mi');
    expect(tooSmall.code).toBe(2);
    expect(tooSmall.stderr).toMatch(/error: --memory 200Mi: a memory limit of 200 MiB leaves room for reviews of/);
  });

  it('-o json gives a List', async () => {
    const dir = join(tmp(), 'certs');
    expect((await runCli(['certs', 'generate', '--out', dir])).code).toBe(0);
    const run = await runCli([
      'install',
      '--dry-run=client',
      '-o',
      'json',
      '--webhook-url',
      'https://10.0.0.1:8443',
      '--ca-file',
      join(dir, 'ca.crt'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const list = JSON.parse(run.stdout);
    expect(list.kind).toBe('List');
    const url = (kind: string) =>
      list.items.find((i: { kind: string }) => i.kind === kind).webhooks[0].clientConfig.url;
    expect(url('MutatingWebhookConfiguration')).toBe('https://10.0.0.1:8443/mutate');
    expect(url('ValidatingWebhookConfiguration')).toBe('https://10.0.0.1:8443/validate');
  });

  it.each([['--dry-run=client', '-o', 'yaml'], ['--dry-run=server'], ['--dry-run=none'], []])(
    'install %s without --image is refused before any cluster access: no registry publishes the image',
    async (...args) => {
      const run = await runCli(['install', ...args, '--kubeconfig', '/nonexistent']);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/error: an install in the cluster needs --image: no registry publishes/);
      expect(run.stderr).toMatch(/hint: build and push the image from the Dockerfile \(docker build -t REGISTRY/);
      expect(run.stderr).not.toMatch(/kubeconfig/);
    },
  );

  it.each([
    ['-o', 'yaml'],
    ['-o', 'json'],
    ['-o', 'yaml', '--dry-run=server'],
    ['--output', 'json', '--dry-run=none'],
  ])('install %s %s without --dry-run=client never applies: usage error before any cluster access', async (...args) => {
    // No reachable cluster: were it to install, the error would be about the kubeconfig.
    const run = await runCli(['install', ...args, '--kubeconfig', '/nonexistent']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /error: -o (yaml|json) prints the install bundle and applies nothing, so it needs --dry-run=client/,
    );
    expect(run.stderr).toMatch(/hint: to print it: kubectl graphdata install --dry-run=client -o (yaml|json) --image /);
    expect(run.stderr).not.toMatch(/kubeconfig/);
  });

  it('usage mistakes exit 2 with a hint', async () => {
    expect((await runCli(['install', '--webhook-url', 'https://x:1'])).stderr).toMatch(/--webhook-url needs --ca-file/);
    expect((await runCli(['install', '--webhook-url', 'http://x:1', '--ca-file', 'f'])).code).toBe(2);
    expect((await runCli(['install', '--replicas', '0', '--dry-run=client', '--image', 'r/i:1'])).code).toBe(2);
    expect((await runCli(['install', '--failure-policy', 'Maybe'])).code).toBe(2);
    expect((await runCli(['enable'])).stderr).toMatch(/name the namespace with -n NAMESPACE/);
  });
});

describe('certs generate / inspect / rotate on files', () => {
  it('generate writes CA (RSA 3072, 5 y) and serving (RSA 2048, 1 y, four SANs), keys 0600, dir 0700', async () => {
    const out = join(tmp(), 'certs');
    const run = await runCli(['certs', 'generate', '--service', 'wh', '--webhook-namespace', 'ns', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'tls.key')).mode & 0o777).toBe(0o600);
    const caInfo = inspectCert(readFileSync(join(out, 'ca.crt'), 'utf8'));
    const leaf = inspectCert(readFileSync(join(out, 'tls.crt'), 'utf8'));
    expect(caInfo).toMatchObject({ isCA: true, keyBits: 3072 });
    expect(leaf.dnsNames).toEqual(['wh', 'wh.ns', 'wh.ns.svc', 'wh.ns.svc.cluster.local']);
    expect(leaf.keyBits).toBe(2048);
    // Never overwrites without --force.
    const again = await runCli(['certs', 'generate', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds certificates .*\n {2}hint: pass --force/);

    const inspect = await runCli(['certs', 'inspect', '--dir', out]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toMatch(/SANs: +wh, wh\.ns, wh\.ns\.svc, wh\.ns\.svc\.cluster\.local/);
    expect(inspect.stdout).toMatch(/\(364 days left\)/);
    expect(inspect.stdout).toMatch(/RSA 2048, private key matches/);
    expect(inspect.stdout).toMatch(/sha256: +([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(inspect.stdout).not.toMatch(/PRIVATE KEY|BEGIN/);
    const json = JSON.parse((await runCli(['certs', 'inspect', '--dir', out, '-o', 'json'])).stdout);
    expect(json.map((r: { isCA: boolean }) => r.isCA)).toEqual([true, false]);

    // Nothing due: nothing changes.
    const before = readFileSync(join(out, 'tls.crt'), 'utf8');
    expect(
      (await runCli(['certs', 'rotate', '--dir', out, '--service', 'wh', '--webhook-namespace', 'ns'])).stdout,
    ).toMatch(/nothing to do/);
    expect(readFileSync(join(out, 'tls.crt'), 'utf8')).toBe(before);

    // CA rollover: new CA, new serving cert, a bundle with both.
    const oldCa = readFileSync(join(out, 'ca.crt'), 'utf8');
    const rotate = await runCli([
      'certs',
      'rotate',
      '--dir',
      out,
      '--service',
      'wh',
      '--webhook-namespace',
      'ns',
      '--ca',
    ]);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/ca-bundle\.crt holds the old and the new CA/);
    const bundle = readFileSync(join(out, 'ca-bundle.crt'), 'utf8');
    expect(splitPemCerts(bundle)).toHaveLength(2);
    expect(verifyChain(readFileSync(join(out, 'tls.crt'), 'utf8'), bundle).valid).toBe(true);
    expect(verifyChain(before, bundle).valid).toBe(true); // the old cert stays trusted meanwhile
    expect(verifyChain(readFileSync(join(out, 'tls.crt'), 'utf8'), oldCa).valid).toBe(false);
  });

  it('inspect flags a key that does not match, exit 1', async () => {
    const out = join(tmp(), 'certs');
    await runCli(['certs', 'generate', '--out', out]);
    const other = join(tmp(), 'other');
    await runCli(['certs', 'generate', '--out', other]);
    writeFileSync(join(out, 'tls.key'), readFileSync(join(other, 'tls.key')));
    const run = await runCli(['certs', 'inspect', '--dir', out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/private key DOES NOT match/);
  });
});

describe('check rows', () => {
  it('✓/✗ with a fix line, plain under NO_COLOR', () => {
    const stream = Object.assign(process.stdout, {});
    const saved = process.env.NO_COLOR;
    process.env.NO_COLOR = '1';
    try {
      const text = renderChecks(
        [
          { name: 'a', ok: true, detail: 'fine' },
          { name: 'b', ok: false, detail: 'broken', hint: 'do this' },
        ],
        painter(stream),
      );
      expect(text).toBe('✓ a: fine\n✗ b: broken\n    fix: do this\n');
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });

  it('label selectors as the apiserver evaluates them', () => {
    const sel = {
      matchLabels: { a: '1' },
      matchExpressions: [
        { key: 'b', operator: 'In', values: ['x'] },
        { key: 'c', operator: 'NotIn', values: ['y'] },
        { key: 'd', operator: 'DoesNotExist' },
      ],
    };
    expect(selects(sel, { a: '1', b: 'x' })).toBe(true);
    expect(selects(sel, { a: '1', b: 'x', c: 'y' })).toBe(false);
    expect(selects(sel, { a: '1', b: 'x', d: '' })).toBe(false);
    expect(selects(sel, { a: '2', b: 'x' })).toBe(false);
  });
});
