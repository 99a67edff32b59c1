// The README's 5-minute tour, run as written: every `kubectl graphdata` line of its `sh`
// blocks runs through a `kubectl` that hands `graphdata` to this plugin, from a folder
// that sees the repository's test/ and examples/ as the tour does. A line whose comment
// counts errors (`# 4 errors …`, `# 0 errors, 0 warnings`) must print that count and exit
// as validate does for it; every other line must exit 0 without a word on stderr.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeKubectl } from '../support/fake-kubectl.js';
import { REPO_ROOT } from '../support/spawn-webhook.js';

interface TourLine {
  command: string;
  comment: string;
}

/** The lines of the `sh` blocks under "## A 5-minute tour", with their trailing comments. */
function tourLines(): TourLine[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## A 5-minute tour');
  expect(start, 'README.md has no "## A 5-minute tour" section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.replace(/\\\n\s*/g, '').split('\n'))
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const hash = line.indexOf(' #');
      return hash < 0
        ? { command: line.trim(), comment: '' }
        : { command: line.slice(0, hash).trim(), comment: line.slice(hash + 2).trim() };
    });
}

describe('the README tour', () => {
  const lines = tourLines().filter((l) => l.command.startsWith('kubectl graphdata '));
  const dir = mkdtempSync(join(tmpdir(), 'gd-tour-'));
  for (const folder of ['test', 'examples']) symlinkSync(join(REPO_ROOT, folder), join(dir, folder));
  const env = { ...process.env, PATH: `${fakeKubectl(dir)}:${process.env.PATH}`, NO_COLOR: '1' };

  it('shows inject, explain, scaffold, validate and policy test', () => {
    for (const verb of ['inject', 'explain', 'scaffold', 'validate', 'policy test'])
      expect(
        lines.some((l) => l.command.startsWith(`kubectl graphdata ${verb} `)),
        verb,
      ).toBe(true);
  });

  it('runs as written, in order, and prints what its comments say', { timeout: 120_000 }, () => {
    for (const { command, comment } of lines) {
      const run = spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8' });
      const counted = /^(\d+) errors?(?:, (\d+) warnings?)?/.exec(comment);
      if (counted) {
        const errors = Number(counted[1]);
        expect(run.stdout, command).toMatch(new RegExp(`^${errors} errors?, ${counted[2] ?? '\\d+'} warnings?`, 'm'));
        expect({ command, code: run.status }).toEqual({ command, code: errors > 0 ? 1 : 0 });
      } else {
        // "exits N" in the comment is the status the command must end with; 0 otherwise.
        const exits = Number(/\bexits (\d+)\b/.exec(comment)?.[1] ?? 0);
        expect({ command, code: run.status, stderr: run.stderr }).toEqual({ command, code: exits, stderr: '' });
      }
    }
  });
});
