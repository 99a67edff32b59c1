// bin/ runs the plugin's bundle through vm.Script with the V8 code cache `npm run build`
// wrote beside it (scripts/bundle-plugin.mjs, bin/load-bundle.cjs). Without a usable
// cache (none, a damaged one, one from another V8 or other V8 flags) it compiles the
// source instead: the same output and exit codes, only a slower start.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/spawn-webhook.js';

const POD = join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'executor-pod.yaml');
const COMMANDS = [
  ['version', '--client'],
  ['inject', '-f', POD],
  ['inject', '--help'],
  ['validate', '-f', join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'spark-bad.yaml')],
  ['inject', '--no-such-flag'],
  // Loads the cluster client with import() from inside the bundle.
  ['version', '--kubeconfig', join(REPO_ROOT, 'no-such-kubeconfig')],
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function plugin(root: string, args: string[], nodeFlags: string[] = [], cwd = tmpdir()): Run {
  const run = spawnSync(process.execPath, [...nodeFlags, join(root, 'bin', 'kubectl-graphdata'), ...args], {
    cwd,
    encoding: 'utf8',
    input: '',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What loadBundle reports in a fresh Node (the cache check depends on the process's V8 flags). */
function loaded(root: string, name: string, nodeFlags: string[] = []): { rejected?: boolean; cacheFile?: string } {
  const script = `const b = require(${JSON.stringify(join(root, 'bin', 'load-bundle.cjs'))}).loadBundle(${JSON.stringify(name)});
process.stdout.write(JSON.stringify({ rejected: b.script.cachedDataRejected, cacheFile: b.cacheFile }));`;
  const run = spawnSync(process.execPath, [...nodeFlags, '-e', script], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe('the code cache npm run build writes', () => {
  it.each(['kubectl-graphdata', 'kubectl_complete-graphdata'])('is accepted for %s by this Node', (name) => {
    const { rejected, cacheFile } = loaded(REPO_ROOT, name);
    expect(cacheFile && existsSync(cacheFile)).toBe(true);
    expect(rejected).toBe(false);
  });

  it('is named after the exact bundle it was made from', () => {
    const caches = readdirSync(join(REPO_ROOT, 'dist', 'bundle'))
      .filter((f) => f.endsWith('.cache'))
      .sort();
    expect(caches).toEqual([
      expect.stringMatching(/^kubectl-graphdata\.[0-9a-f]{16}\.cache$/),
      expect.stringMatching(/^kubectl_complete-graphdata\.[0-9a-f]{16}\.cache$/),
    ]);
  });
});

describe('without a usable code cache', () => {
  let copy: string;
  let expected: Run[];

  // A copy of the installed layout (bin/, dist/, policies/) whose caches the tests spoil.
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'graphdata-bundle-'));
    // dist/policies after policies/: the compiled built-in policy must stay the newer one.
    for (const path of ['package.json', 'bin', 'policies', 'dist/bundle', 'dist/policies'])
      cpSync(join(REPO_ROOT, path), join(copy, path), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
    expected = COMMANDS.map((args) => plugin(REPO_ROOT, args));
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const cacheFiles = () =>
    readdirSync(join(copy, 'dist', 'bundle'))
      .filter((f) => f.endsWith('.cache'))
      .map((f) => join(copy, 'dist', 'bundle', f));

  const expectSameRuns = (root: string, nodeFlags: string[] = []) => {
    for (const [i, args] of COMMANDS.entries()) expect(plugin(root, args, nodeFlags)).toEqual(expected[i]);
  };

  it('the commands behave as with it', () => {
    expect(expected.map((r) => r.code)).toEqual([0, 0, 0, 1, 2, 0]);
    expect(expected[1]!.stdout).toContain('alluxio');
    expect(expected[5]!.stdout).toMatch(/server: +unreachable — cannot read kubeconfig/);
  });

  it('with a cache made under other V8 flags, V8 rejects it and compiles the source', () => {
    const flags = ['--max-old-space-size=300'];
    expect(loaded(copy, 'kubectl-graphdata', flags).rejected).toBe(true);
    expectSameRuns(copy, flags);
  });

  it('with a damaged cache, V8 rejects it and compiles the source', () => {
    for (const file of cacheFiles()) writeFileSync(file, Buffer.alloc(4096, 7));
    expect(loaded(copy, 'kubectl-graphdata').rejected).toBe(true);
    expectSameRuns(copy);
  });

  it('with no cache, it compiles the source', () => {
    for (const file of cacheFiles()) rmSync(file);
    expect(loaded(copy, 'kubectl-graphdata').rejected).toBeUndefined();
    expectSameRuns(copy);
    const completion = spawnSync(join(copy, 'bin', 'kubectl_complete-graphdata'), ['inj'], { encoding: 'utf8' });
    expect(completion.stdout).toMatch(/^inject\t.+\n:4\n$/);
  });
});

describe('bin/kubectl-graphdata', () => {
  it('runs through a symlink on PATH from any directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphdata-path-'));
    try {
      symlinkSync(join(REPO_ROOT, 'bin', 'kubectl-graphdata'), join(dir, 'kubectl-graphdata'));
      const run = spawnSync('kubectl-graphdata', ['version', '--client'], {
        cwd: '/',
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^plugin: +\d/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to build when the bundle is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphdata-unbuilt-'));
    try {
      cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      const run = spawnSync(join(dir, 'bin', 'kubectl-graphdata'), ['version'], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('error: graphdata is not built\n  hint: run `npm run build` in the graphdata checkout\n');
      const completion = spawnSync(join(dir, 'bin', 'kubectl_complete-graphdata'), ['inj'], { encoding: 'utf8' });
      expect(completion.stdout).toBe(':4\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
