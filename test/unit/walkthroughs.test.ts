// The walkthroughs of docs/walkthroughs.md, run as written: every `kubectl graphdata` line
// of its `sh` blocks runs through a `kubectl` that hands `graphdata` to this plugin, in an
// empty folder, and must succeed; what they write must validate cleanly together.
// Lines that need a cluster (kubectl apply/label/create, explain pod/NAME) are checked
// for what they can be offline: the files they name exist.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeKubectl } from '../support/fake-kubectl.js';
import { PLUGIN_BIN } from '../support/run-cli.js';
import { REPO_ROOT } from '../support/spawn-webhook.js';

const WALKTHROUGHS_PAGE = join(REPO_ROOT, 'docs', 'walkthroughs.md');

/** The commands of every `sh` block of the walkthroughs page, continuation lines joined. */
function walkthroughCommands(): string[] {
  const page = readFileSync(WALKTHROUGHS_PAGE, 'utf8');
  const blocks = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.replace(/\\\n\s*/g, '').split('\n')).filter((l) => l.trim() !== '');
}

const needsCluster = (command: string) =>
  !/^kubectl graphdata /.test(command) || /explain pod\/|--server/.test(command);

describe('the walkthroughs (docs/walkthroughs.md)', () => {
  const commands = walkthroughCommands();
  const dir = mkdtempSync(join(tmpdir(), 'gd-readme-'));
  const env = { ...process.env, PATH: `${fakeKubectl(dir)}:${process.env.PATH}`, NO_COLOR: '1' };

  it('are found in docs/walkthroughs.md, and the README links the page', () => {
    expect(commands.filter((c) => c.startsWith('kubectl graphdata scaffold')).length).toBeGreaterThanOrEqual(4);
    expect(commands.some((c) => c.startsWith('kubectl graphdata validate'))).toBe(true);
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('](docs/walkthroughs.md)');
  });

  it('run as written, in order, and every validate line passes', { timeout: 120_000 }, () => {
    for (const command of commands) {
      if (needsCluster(command)) {
        // Offline, a cluster command can still be checked for the file it names.
        const file = /\s-f\s+(\S+\.ya?ml)/.exec(command)?.[1];
        if (file) expect(existsSync(join(dir, file)), `${command}: ${file} was not written before`).toBe(true);
        continue;
      }
      const run = spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8' });
      expect({ command, code: run.status, stderr: run.stderr }).toEqual({ command, code: 0, stderr: '' });
      if (command.includes(' validate '))
        expect(run.stdout, command).toMatch(/^0 errors, 0 warnings in \d+ documents?\n$/m);
    }
  });

  it('write files that validate together without errors or warnings (they do not contradict each other)', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(4);
    const run = spawnSync(PLUGIN_BIN, ['validate', '--strict', ...files.flatMap((f) => ['-f', f])], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    expect({ code: run.status, stdout: run.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(/^0 errors, 0 warnings in \d+ documents\n$/),
    });
  });
});
