// The layout rules of the repository, checked on the source files themselves:
// policies/ is the pure core (no I/O, nothing from the shells), the plugin never
// imports the webhook shell, and common/ holds only what both shells import.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../common/package-root.js';

const ROOT = packageRoot();

/** Every .ts/.mjs file under a top-level folder, as repo-relative POSIX paths. */
function sources(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) out.push(relative(ROOT, path).split('\\').join('/'));
    }
  };
  walk(join(ROOT, folder));
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic `import('…')` calls. */
function importSpecifiers(text: string): string[] {
  const pattern = /\b(?:from\s*|import\s*\(\s*|import\s+)(['"])([^'"]+)\1/g;
  return [...text.matchAll(pattern)].map((m) => m[2]!);
}

/** A relative specifier resolved to a repo-relative path; bare specifiers unchanged. */
function resolveSpecifier(file: string, specifier: string): string {
  return specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), specifier)) : specifier;
}

/** `file imports specifier` for every import of `files` that `bad` says is not allowed. */
function offending(files: string[], bad: (target: string) => boolean): string[] {
  return files.flatMap((file) =>
    importSpecifiers(readFileSync(join(ROOT, file), 'utf8'))
      .filter((specifier) => bad(resolveSpecifier(file, specifier)))
      .map((specifier) => `${file} imports ${specifier}`),
  );
}

describe('import rules', () => {
  it('finds static, re-exported and dynamic imports', () => {
    const text = [
      "import { a } from '../webhook/x.js';",
      "export { b } from './y.js';",
      "const c = await import('../../webhook/z.js');",
      "import 'side-effect';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['../webhook/x.js', './y.js', '../../webhook/z.js', 'side-effect']);
    expect(resolveSpecifier('plugin/commands/a.ts', '../../webhook/z.js')).toBe('webhook/z.js');
  });

  it('the plugin never imports the webhook shell (shared code lives in common/)', () => {
    const files = sources('plugin');
    expect(files.length).toBeGreaterThan(10);
    expect(offending(files, (target) => target.startsWith('webhook/'))).toEqual([]);
  });

  it('policies/ does no I/O and imports nothing from the shells', () => {
    const files = sources('policies');
    expect(files.length).toBeGreaterThan(10);
    const io = /^(node:)?(fs|fs\/promises|net|http|https|http2|tls|dgram|child_process|worker_threads)$/;
    const shells = /^(webhook|plugin|common|certs|test|scripts)\//;
    expect(offending(files, (target) => io.test(target) || shells.test(target))).toEqual([]);
  });

  it('common/ imports neither shell', () => {
    const files = sources('common');
    expect(files.length).toBeGreaterThan(0);
    expect(offending(files, (target) => /^(webhook|plugin)\//.test(target))).toEqual([]);
  });

  it('every common/ module is imported from both webhook/ and plugin/ (else it belongs to one shell)', () => {
    const importedFrom = (shell: string): Set<string> =>
      new Set(
        sources(shell).flatMap((file) =>
          importSpecifiers(readFileSync(join(ROOT, file), 'utf8')).map((s) => resolveSpecifier(file, s)),
        ),
      );
    const webhook = importedFrom('webhook');
    const plugin = importedFrom('plugin');
    const modules = sources('common').map((file) => file.replace(/\.ts$/, '.js'));
    expect(modules.length).toBeGreaterThan(0);
    const oneShell = modules
      .filter((m) => !webhook.has(m) || !plugin.has(m))
      .map((m) => `${m}: webhook ${webhook.has(m) ? 'yes' : 'no'}, plugin ${plugin.has(m) ? 'yes' : 'no'}`);
    expect(oneShell).toEqual([]);
  });
});
