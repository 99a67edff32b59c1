// A README section's `sh` blocks, as the README walkthrough tests run them: each line
// with its trailing comment (`# prints …`, `# exits 1, prints …`), comment-only lines dropped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './spawn-webhook.js';

export interface ReadmeLine {
  command: string;
  comment: string;
}

/** The `sh` blocks of the README section titled `heading` (`## …`); throws if it has none. */
export function readmeSectionBlocks(heading: string): ReadmeLine[][] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => {
        const hash = line.indexOf('   #');
        return hash < 0
          ? { command: line.trim(), comment: '' }
          : { command: line.slice(0, hash).trim(), comment: line.slice(hash).replace(/^\s*#\s*/, '') };
      }),
  );
}

/** What a line's comment promises: its exit code (0 unless `exits N`) and a text it prints. */
export function promised(comment: string): { code: number; prints?: string } {
  const m = /^(?:exits (\d+)(?:, |$))?(?:prints (.*))?$/.exec(comment);
  return { code: Number(m?.[1] ?? 0), ...(m?.[2] ? { prints: m[2] } : {}) };
}
