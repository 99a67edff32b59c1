// The repository stands alone: a user clones it anywhere, with no sibling folders.
// Every relative path written in a tracked file must resolve inside the clone, and no
// file may name a machine-specific absolute path.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const self = relative(root, fileURLToPath(import.meta.url));

const textFile = /\.(ts|mjs|js|json|md|ya?ml|sh|go|mod|txt)$|^(bin\/|\.ci\/)/;
const trackedFiles = (): string[] =>
  execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && textFile.test(f) && f !== self && f !== 'package-lock.json');

/** `../x/y` runs in a file, as written (quotes, link targets, bare words). */
const relativeRefs = (text: string): string[] => text.match(/(?:\.\.\/)+[\w.-][\w./-]*/g) ?? [];
// Where this project is developed; a clone elsewhere has none of these.
const machinePaths = /(?:^|[\s'"`(=])\/(?:work|root|home\/\w+)\/[\w.-]/m;

describe('the repository stands alone', () => {
  it('has no relative path that leaves the clone', () => {
    const escapes: string[] = [];
    for (const file of trackedFiles()) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const ref of relativeRefs(text)) {
        const target = resolve(root, dirname(file), ref);
        if (target !== root && !target.startsWith(root + sep)) escapes.push(`${file}: ${ref}`);
      }
    }
    expect(escapes).toEqual([]);
  });

  it('names no machine-specific absolute path', () => {
    const hits = trackedFiles().filter((file) => machinePaths.test(readFileSync(join(root, file), 'utf8')));
    expect(hits).toEqual([]);
  });

  it('catches what it is meant to catch', () => {
    // The checks above pass vacuously if these helpers match nothing.
    // Built from parts so that this file itself names no path outside the clone.
    const outside = `${'../'.repeat(4)}sibling/crds/`;
    expect(relativeRefs(`new URL('${outside}', x)`)).toEqual([outside]);
    expect(resolve(root, 'test/unit', outside).startsWith(root + sep)).toBe(false);
    expect(machinePaths.test("const dir = '/work/shared/crds';")).toBe(true);
    expect(machinePaths.test('see https://example.com/work/x')).toBe(false);
  });
});
