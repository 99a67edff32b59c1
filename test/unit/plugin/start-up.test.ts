// What a command does not do while it starts (docs/benchmarks.md, "Why start-up is fast"):
// it does not open standard input unless it reads it (clipanion's default context would,
// scripts/bundle-plugin.mjs), and loads neither `tty` nor `node:v8` (bin/load-bundle.cjs)
// nor the stream modules (plugin/output/fd-writer.ts) nor `node:module`.
// Run through bin/ on the Node running the tests: `npm run test:node` runs them on 22 and 24.
import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/spawn-webhook.js';

const PLUGIN = join(REPO_ROOT, 'bin', 'kubectl-graphdata');
const POD = join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'executor-pod.yaml');
const work = mkdtempSync(join(tmpdir(), 'graphdata-start-up-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Preloaded with -r: notes whether anything asks for process.stdin, and which built-in
// modules the process loaded, into the file $START_UP_REPORT when it exits.
const WATCH = join(work, 'watch.cjs');
writeFileSync(
  WATCH,
  `const { writeFileSync } = require('node:fs');
const stdin = Object.getOwnPropertyDescriptor(process, 'stdin');
let stdinOpened = false;
Object.defineProperty(process, 'stdin', { ...stdin, get() { stdinOpened = true; return stdin.get.call(process); } });
process.on('exit', () => writeFileSync(process.env.START_UP_REPORT, JSON.stringify({ stdinOpened, modules: process.moduleLoadList })));
`,
);

interface Report {
  code: number | null;
  stdout: string;
  stdinOpened: boolean;
  modules: string[];
}

let runs = 0;
function watched(args: string[], input = ''): Report {
  const report = join(work, `report-${runs++}.json`);
  const run = spawnSync(process.execPath, ['-r', WATCH, PLUGIN, ...args], {
    cwd: work,
    input,
    encoding: 'utf8',
    env: { ...process.env, START_UP_REPORT: report, XDG_CACHE_HOME: work },
  });
  expect(run.stderr).toBe('');
  return { code: run.status, stdout: run.stdout, ...JSON.parse(readFileSync(report, 'utf8')) };
}

/** What Node itself loads for an empty script, on this release: Node 24 loads the ES module loader anyway. */
function floorModules(): string[] {
  const empty = join(work, 'empty.cjs');
  writeFileSync(empty, '');
  const report = join(work, 'report-floor.json');
  const run = spawnSync(process.execPath, ['-r', WATCH, empty], {
    cwd: work,
    env: { ...process.env, START_UP_REPORT: report },
  });
  expect(run.status).toBe(0);
  return (JSON.parse(readFileSync(report, 'utf8')) as Report).modules;
}

describe('plugin start-up', () => {
  const floor = floorModules();
  /** The built-in modules the command loads beyond what an empty script loads. */
  const added = (run: Report) => run.modules.filter((m) => !floor.includes(m));

  it.each([[['version', '--client']], [['inject', '-f', POD]]])(
    '%j opens no stdin, loads no tty, v8 or streams',
    (args) => {
      const run = watched(args);
      expect(run.code).toBe(0);
      expect(run.stdout).not.toBe('');
      expect(run.stdinOpened).toBe(false);
      const extra = added(run);
      // Standard output and error are pipes here, never terminals: nothing needs `tty`.
      expect(extra).not.toContain('NativeModule tty');
      expect(extra).not.toContain('NativeModule v8');
      // Output is written on the descriptors (plugin/output/fd-writer.ts), not through
      // process.stdout and process.stderr, which load Node's stream modules.
      for (const module of ['stream', 'internal/streams/writable', 'internal/fs/sync_write_stream', 'net'])
        expect(extra).not.toContain(`NativeModule ${module}`);
      // Nor `node:module`, which loads the ES module loader (bin/load-bundle.cjs, policies/yaml-source.ts).
      expect(extra).not.toContain('NativeModule module');
      expect(extra).not.toContain('NativeModule internal/modules/esm/loader');
    },
  );

  it('a command that reads stdin still gets all of it', () => {
    const pod = readFileSync(POD, 'utf8');
    const run = watched(['inject', '-f', '-'], pod);
    expect(run.code).toBe(0);
    expect(run.stdinOpened).toBe(true);
    expect(run.stdout).toBe(watched(['inject', '-f', POD]).stdout);
    expect(run.stdout).toContain('graphdata.io/injected');
  });

  it('the bundle is ASCII and carries its own module wrapper, as the loader reads it', () => {
    const { BUNDLE_HEAD, COMMAND_BUNDLES, commandBundleOf } = createRequire(import.meta.url)(
      join(REPO_ROOT, 'bin', 'load-bundle.cjs'),
    );
    const commandBundles = COMMAND_BUNDLES.map((command: string) => commandBundleOf([command]));
    for (const name of ['kubectl-graphdata', 'kubectl_complete-graphdata', ...commandBundles]) {
      const bytes = readFileSync(join(REPO_ROOT, 'dist', 'bundle', `${name}.cjs`));
      expect(isAscii(bytes)).toBe(true);
      expect(bytes.toString('latin1').startsWith(BUNDLE_HEAD)).toBe(true);
    }
  });
});
