// `npm run build` redoes only what changed (issue 19: `npm start` rebuilt everything, 57 s
// on a restart). tsc builds incrementally from dist/tsconfig.tsbuildinfo; the plugin
// bundles are skipped while their recorded inputs are unchanged. The bundle script runs
// here in a scratch copy of the repository whose dist/ is its own.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/spawn-webhook.js';

function scratchRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gd-build-'));
  for (const entry of [
    'plugin',
    'policies',
    'common',
    'certs',
    'node_modules',
    'test',
    'package.json',
    'package-lock.json',
  ])
    symlinkSync(join(REPO_ROOT, entry), join(dir, entry));
  // Copied, not linked: the loader finds dist/ beside itself, and a test may touch them.
  for (const folder of ['scripts', 'bin']) cpSync(join(REPO_ROOT, folder), join(dir, folder), { recursive: true });
  mkdirSync(join(dir, 'dist'));
  return dir;
}

const bundle = (dir: string) =>
  spawnSync(process.execPath, ['scripts/bundle-plugin.mjs'], { cwd: dir, encoding: 'utf8' });
const mtime = (file: string) => statSync(file).mtimeMs;

describe('npm run build', () => {
  it('builds TypeScript incrementally, its build info under dist/', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.build).toMatch(/^tsc -b tsconfig\.json && /);
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ incremental: true, tsBuildInfoFile: 'dist/tsconfig.tsbuildinfo' });
  });

  it('rebundles the plugin only when a file it was made from changed', { timeout: 120_000 }, () => {
    const dir = scratchRepo();
    const plugin = join(dir, 'dist/bundle/kubectl-graphdata.cjs');
    const record = join(dir, 'dist/bundle/inputs.json');

    const first = bundle(dir);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const { inputs } = JSON.parse(readFileSync(record, 'utf8'));
    // The modules the bundles hold (the linked folders resolve to the repository's paths).
    for (const file of ['plugin/main.ts', 'policies/engine.ts', 'package-lock.json', 'scripts/bundle-plugin.mjs'])
      expect(
        inputs.some((input: string) => input.endsWith(file)),
        file,
      ).toBe(true);
    expect(inputs.filter((input: string) => input.includes('node_modules/clipanion'))).toEqual([]);
    const [built, recorded] = [mtime(plugin), mtime(record)];

    // Unchanged inputs: nothing is written.
    expect(bundle(dir).status).toBe(0);
    expect([mtime(plugin), mtime(record)]).toEqual([built, recorded]);

    // An input saved after the build (here the script itself): bundled again.
    const later = new Date(Date.now() + 2000);
    utimesSync(join(dir, 'scripts/bundle-plugin.mjs'), later, later);
    expect(bundle(dir).status).toBe(0);
    expect(mtime(plugin)).toBeGreaterThan(built);

    // A missing output: bundled again.
    const again = mtime(plugin);
    spawnSync('rm', [join(dir, 'dist/bundle/kubectl_complete-graphdata.cjs')]);
    expect(bundle(dir).status).toBe(0);
    expect(mtime(plugin)).toBeGreaterThan(again);
  });
});
