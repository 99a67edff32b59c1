// bin/ runs the plugin's bundle through vm.Script with the V8 code cache `npm run build`
// wrote beside it (scripts/bundle-plugin.mjs, bin/load-bundle.cjs). A cache is used only
// by the runtime that made it (Node release, V8 flags); without a usable cache (none, a
// damaged one, one from another Node or other flags) it compiles the source instead: the
// same output and exit codes, only a slower start, and leaves this runtime's cache in the
// user's own cache directory ($XDG_CACHE_HOME/graphdata/code-cache) for the next start.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  statSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

/** The user's cache directory the runs below see: a fresh one per test that sets it. */
let xdgCacheHome = mkdtempSync(join(tmpdir(), 'graphdata-xdg-'));
const userCacheDir = () => join(xdgCacheHome, 'graphdata', 'code-cache');
afterAll(() => rmSync(xdgCacheHome, { recursive: true, force: true }));

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
    env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: xdgCacheHome },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What loadBundle reports in a fresh Node (the cache it looks for depends on the process's flags). */
function loaded(root: string, name: string, nodeFlags: string[] = []): { cache: string; cacheFile?: string } {
  const load = `loadBundle(${JSON.stringify(name)})`;
  const script = `const b = require(${JSON.stringify(join(root, 'bin', 'load-bundle.cjs'))}).${load};
process.stdout.write(JSON.stringify({ cache: b.cache, cacheFile: b.cacheFile }));`;
  const run = spawnSync(process.execPath, [...nodeFlags, '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: xdgCacheHome },
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

const { COMMAND_BUNDLES, commandBundleOf } = createRequire(import.meta.url)(join(REPO_ROOT, 'bin', 'load-bundle.cjs'));
/** The bundle a command line starts from: its command's own, else the whole plugin's. */
const bundleOf = (args: string[]): string => commandBundleOf(args) ?? 'kubectl-graphdata';
const BUNDLES = [
  'kubectl-graphdata',
  'kubectl_complete-graphdata',
  ...COMMAND_BUNDLES.map((c: string) => bundleOf([c])),
];

describe('the code cache npm run build writes', () => {
  it.each(BUNDLES)('is accepted for %s by this Node', (name) => {
    const { cache, cacheFile } = loaded(REPO_ROOT, name);
    expect(cacheFile && existsSync(cacheFile)).toBe(true);
    expect(cache).toBe('used');
  });

  it('is named after the exact bundle it was made from and the runtime that made it', () => {
    const dir = join(REPO_ROOT, 'dist', 'bundle');
    const caches = readdirSync(dir).filter((f) => f.endsWith('.cache'));
    for (const name of BUNDLES) {
      const bundle = /\/\/# codeCache=(.+)\n$/.exec(readFileSync(join(dir, `${name}.cjs`), 'utf8'))?.[1];
      expect(bundle).toMatch(new RegExp(`^${name}\\.[0-9a-f]{16}$`));
      const own = caches.filter((f) => f.startsWith(`${name}.`));
      // One per runtime that built it (npm run test:node adds its releases' beside this one's).
      expect(own.length).toBeGreaterThanOrEqual(1);
      for (const file of own)
        expect(file).toMatch(new RegExp(`^${bundle!.replace('.', '\\.')}\\.[0-9a-f]{8}\\.cache$`));
      expect(own).toContain(basename(loaded(REPO_ROOT, name).cacheFile!));
    }
  });

  it('inject, validate and version start from bundles of their own; other commands from the whole plugin', () => {
    expect(COMMAND_BUNDLES).toEqual(['inject', 'validate', 'version']);
    const size = (name: string) => statSync(join(REPO_ROOT, 'dist', 'bundle', `${name}.cjs`)).size;
    const cacheSize = (name: string) => statSync(loaded(REPO_ROOT, name).cacheFile!).size;
    // inject and version hold their command alone: no installer, certificates or scaffolds.
    for (const command of ['inject', 'version']) {
      expect(size(bundleOf([command]))).toBeLessThan(size('kubectl-graphdata') / 2);
      expect(cacheSize(bundleOf([command]))).toBeLessThan(cacheSize('kubectl-graphdata'));
      expect(readFileSync(join(REPO_ROOT, 'dist', 'bundle', `${bundleOf([command])}.cjs`), 'latin1')).not.toContain(
        'Generate a CA and a serving certificate',
      );
    }
    expect(readFileSync(join(REPO_ROOT, 'dist', 'bundle', 'kubectl-graphdata.cjs'), 'latin1')).toContain(
      'Generate a CA and a serving certificate',
    );
    // What validate compiled (its schema validators) is in its cache and in no other.
    expect(cacheSize(bundleOf(['validate']))).toBeGreaterThan(cacheSize(bundleOf(['inject'])) + 100_000);
    expect(bundleOf(['explain', '-f', POD])).toBe('kubectl-graphdata');
    expect(bundleOf(['--version'])).toBe('kubectl-graphdata');
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
  beforeEach(() => {
    rmSync(xdgCacheHome, { recursive: true, force: true });
    xdgCacheHome = mkdtempSync(join(tmpdir(), 'graphdata-xdg-'));
  });

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

  // Node 20's V8 rejects a cache made without --max-old-space-size=300, Node 24's takes it:
  // the loader does not leave that to V8, it never offers one made under other flags.
  it.each([['--max-old-space-size=300'], ['--no-opt'], ['--stack-size=900']])(
    'with a cache made under other flags (%s), it finds none and compiles the source',
    (flag) => {
      expect(loaded(copy, 'kubectl-graphdata').cache).toBe('used');
      const other = loaded(copy, 'kubectl-graphdata', [flag]);
      expect(other.cache).toBe('none');
      expect(existsSync(other.cacheFile!)).toBe(false);
      expectSameRuns(copy, [flag]);
    },
  );

  it('with a damaged cache, V8 rejects it and compiles the source', () => {
    for (const file of cacheFiles()) writeFileSync(file, Buffer.alloc(4096, 7));
    expect(loaded(copy, 'kubectl-graphdata').cache).toBe('rejected');
    expectSameRuns(copy);
  });

  it("with none beside the bundle, the first run leaves this runtime's cache in the user's directory", () => {
    for (const file of cacheFiles()) rmSync(file);
    const first = loaded(copy, bundleOf(COMMANDS[1]!));
    expect(first.cache).toBe('none');
    expect(first.cacheFile!.startsWith(`${userCacheDir()}/`)).toBe(true);
    expect(plugin(copy, COMMANDS[1]!)).toEqual(expected[1]);
    // Only this user can read or replace it: a code cache is code.
    expect(statSync(userCacheDir()).mode & 0o777).toBe(0o700);
    expect(statSync(first.cacheFile!).mode & 0o777).toBe(0o600);
    expect(loaded(copy, bundleOf(COMMANDS[1]!))).toEqual({ cache: 'used', cacheFile: first.cacheFile });
    expectSameRuns(copy);
  });

  it("keeps the user's newest 4 caches of a bundle, so old versions and runtimes do not pile up", () => {
    for (const file of cacheFiles()) rmSync(file);
    mkdirSync(userCacheDir(), { recursive: true, mode: 0o700 });
    const old = Array.from({ length: 6 }, (_, i) =>
      join(userCacheDir(), `kubectl-graphdata.${i}0000000000000000.0000000${i}.cache`),
    );
    old.forEach((file, i) => {
      writeFileSync(file, 'old', { mode: 0o600 });
      utimesSync(file, 1_000_000 + i, 1_000_000 + i);
    });
    const other = join(userCacheDir(), 'kubectl_complete-graphdata.0000000000000000.00000000.cache');
    writeFileSync(other, 'old', { mode: 0o600 });
    // inject's bundle leaves help to the whole plugin's: both leave a cache.
    expect(plugin(copy, COMMANDS[2]!)).toEqual(expected[2]);
    const { cacheFile } = loaded(copy, 'kubectl-graphdata');
    const injects = loaded(copy, bundleOf(['inject'])).cacheFile!;
    const left = readdirSync(userCacheDir()).map((f) => join(userCacheDir(), f));
    expect(left.sort()).toEqual([cacheFile!, injects, ...old.slice(3), other].sort());
  });

  it("keeps 4 caches of a command's own bundle apart from the whole plugin's, and makes it on its first run", () => {
    for (const file of cacheFiles()) rmSync(file);
    mkdirSync(userCacheDir(), { recursive: true, mode: 0o700 });
    const whole = Array.from({ length: 4 }, (_, i) =>
      join(userCacheDir(), `kubectl-graphdata.${i}0000000000000000.0000000${i}.cache`),
    );
    const own = Array.from({ length: 5 }, (_, i) =>
      join(userCacheDir(), `kubectl-graphdata-validate.${i}0000000000000000.0000000${i}.cache`),
    );
    [...whole, ...own].forEach((file, i) => {
      writeFileSync(file, 'old', { mode: 0o600 });
      utimesSync(file, 1_000_000 + i, 1_000_000 + i);
    });
    expect(plugin(copy, COMMANDS[3]!)).toEqual(expected[3]);
    const made = loaded(copy, bundleOf(COMMANDS[3]!));
    expect(made.cache).toBe('used');
    expect(basename(made.cacheFile!)).toMatch(/^kubectl-graphdata-validate\.[0-9a-f]{16}\.[0-9a-f]{8}\.cache$/);
    const left = readdirSync(userCacheDir()).map((f) => join(userCacheDir(), f));
    expect(left.sort()).toEqual([...whole, made.cacheFile!, ...own.slice(2)].sort());
    expect(loaded(copy, 'kubectl-graphdata').cache).toBe('none');
  });

  it("a damaged cache in the user's directory is rejected, the command runs as usual and it is replaced", () => {
    for (const file of cacheFiles()) rmSync(file);
    expect(plugin(copy, COMMANDS[0]!)).toEqual(expected[0]);
    const { cacheFile } = loaded(copy, bundleOf(COMMANDS[0]!));
    writeFileSync(cacheFile!, Buffer.alloc(4096, 7));
    expect(loaded(copy, bundleOf(COMMANDS[0]!)).cache).toBe('rejected');
    expect(plugin(copy, COMMANDS[0]!)).toEqual(expected[0]);
    expect(loaded(copy, bundleOf(COMMANDS[0]!)).cache).toBe('used');
    // Cut short (a write that never finished elsewhere): rejected too, never a crash.
    writeFileSync(cacheFile!, readFileSync(cacheFile!).subarray(0, 1000));
    expectSameRuns(copy);
    expect(loaded(copy, bundleOf(COMMANDS[0]!)).cache).toBe('used');
  });

  it('a cache directory or file others can write is neither read nor written', () => {
    for (const file of cacheFiles()) rmSync(file);
    expect(plugin(copy, COMMANDS[0]!)).toEqual(expected[0]);
    const { cacheFile } = loaded(copy, bundleOf(COMMANDS[0]!));
    const written = readFileSync(cacheFile!);
    chmodSync(cacheFile!, 0o666);
    expect(loaded(copy, bundleOf(COMMANDS[0]!)).cache).toBe('none');
    chmodSync(cacheFile!, 0o600);
    chmodSync(userCacheDir(), 0o777);
    expect(loaded(copy, bundleOf(COMMANDS[0]!)).cache).toBe('none');
    rmSync(cacheFile!);
    expectSameRuns(copy);
    expect(existsSync(cacheFile!)).toBe(false);
    // Nor through a symlink, even to a good cache of this user's.
    chmodSync(userCacheDir(), 0o700);
    writeFileSync(`${cacheFile}.real`, written, { mode: 0o600 });
    symlinkSync(`${cacheFile}.real`, cacheFile!);
    expect(loaded(copy, bundleOf(COMMANDS[0]!)).cache).toBe('none');
  });

  it("writes nothing into a cache home that is another user's (sudo keeps HOME)", () => {
    for (const file of cacheFiles()) rmSync(file);
    // Another user's directory: one handed to nobody when the tests run as root, else /usr's.
    const own = xdgCacheHome;
    if (process.getuid!() === 0) chownSync(xdgCacheHome, 65534, 65534);
    else xdgCacheHome = join('/usr', 'graphdata-no-such-cache-home');
    try {
      expectSameRuns(copy);
      const { cache, cacheFile } = loaded(copy, 'kubectl-graphdata');
      expect(cache).toBe('none');
      expect(existsSync(join(xdgCacheHome, 'graphdata'))).toBe(false);
      expect(existsSync(cacheFile!)).toBe(false);
    } finally {
      xdgCacheHome = own;
    }
  });

  it('a cache home that cannot hold a directory changes nothing but the start-up time', () => {
    for (const file of cacheFiles()) rmSync(file);
    rmSync(xdgCacheHome, { recursive: true, force: true });
    writeFileSync(xdgCacheHome, 'not a directory');
    expectSameRuns(copy);
    mkdirSync(`${xdgCacheHome}.d`);
    rmSync(xdgCacheHome);
    xdgCacheHome = `${xdgCacheHome}.d`;
  });

  it('with no cache, it compiles the source', () => {
    for (const file of cacheFiles()) rmSync(file);
    expect(loaded(copy, 'kubectl-graphdata').cache).toBe('none');
    expectSameRuns(copy);
    const completion = spawnSync(join(copy, 'bin', 'kubectl_complete-graphdata'), ['inj'], {
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: xdgCacheHome },
    });
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
  it('says how to build when the bundle is one an older build wrote, without its module wrapper', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphdata-old-build-'));
    try {
      cpSync(join(REPO_ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
      const bundle = readFileSync(join(REPO_ROOT, 'dist', 'bundle', 'kubectl-graphdata.cjs'), 'latin1');
      const body = bundle.slice(bundle.indexOf('{') + 1).replace(/\n\}\)\n(\/\/# codeCache=.*\n)$/, '\n$1');
      writeFileSync(join(dir, 'dist', 'bundle', 'kubectl-graphdata.cjs'), body, 'latin1');
      const run = spawnSync(join(dir, 'bin', 'kubectl-graphdata'), ['version', '--client'], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toBe('error: graphdata is not built\n  hint: run `npm run build` in the graphdata checkout\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
