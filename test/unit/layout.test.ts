// The layout rules of the repository, checked on the source files themselves:
// policies/ is the pure core (no I/O, nothing from the shells), the plugin never
// imports the webhook shell, common/ holds only what both shells import, no production
// module imports itself through others (an import circle), and the plugin has one folder
// per command path with its shared code in a few named folders.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative } from 'node:path';
import dpdm from 'dpdm';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../common/package-root.js';
import { COMMANDS } from '../../plugin/commands.js';

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
    expect(resolveSpecifier('plugin/inject/command.ts', '../../webhook/z.js')).toBe('webhook/z.js');
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

/**
 * Every import circle among the modules `globs` reach from `context`, each as its modules
 * joined by " -> ". dpdm resolves specifiers as TypeScript does (the tsconfig's NodeNext
 * rules) and counts type-only and dynamic imports: a circle of types is still a circle.
 */
async function importCircles(context: string, globs: string[]): Promise<string[]> {
  const tree = await dpdm.parseDependencyTree(globs, {
    context,
    cwd: context,
    tsconfig: join(context, 'tsconfig.json'),
    transform: false,
    skipDynamicImports: false,
  });
  // Each circle once, from its first module in sort order (dpdm starts where its walk entered).
  const rotated = dpdm.parseCircular(tree, false).map((circle) => {
    const first = circle.indexOf([...circle].sort()[0]!);
    return [...circle.slice(first), ...circle.slice(0, first)].join(' -> ');
  });
  return [...new Set(rotated)].sort();
}

/** Production code: everything but tests, benchmarks and scripts. */
const PRODUCTION = ['webhook', 'plugin', 'policies', 'common', 'certs'].map((folder) => `${folder}/**/*.ts`);

describe('import circles', () => {
  it('finds one, type-only or dynamic imports included', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'graphdata-circles-'));
    try {
      writeFileSync(join(dir, 'tsconfig.json'), readFileSync(join(ROOT, 'tsconfig.json')));
      mkdirSync(join(dir, 'src'));
      const write = (name: string, text: string) => writeFileSync(join(dir, 'src', name), text);
      write('pool.ts', "import type { Message } from './protocol.js';\nexport const post = (m: Message) => m;\n");
      write('protocol.ts', "import type { post } from './pool.js';\nexport type Message = Parameters<typeof post>;\n");
      write('lazy.ts', "export const load = () => import('./leaf.js');\n");
      write('leaf.ts', "import { load } from './lazy.js';\nexport const again = load;\n");
      write('alone.ts', "import { post } from './pool.js';\nexport const x = post;\n");
      const circles = await importCircles(dir, ['src/**/*.ts']);
      expect(circles).toEqual(['src/lazy.ts -> src/leaf.ts', 'src/pool.ts -> src/protocol.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('production code has none', async () => {
    expect(await importCircles(ROOT, PRODUCTION)).toEqual([]);
  }, 60_000);
});

// The plugin, as the Kyverno CLI lays out its commands: `kubectl graphdata certs rotate`
// is plugin/certs/rotate/command.ts, its logic beside it. What several commands use
// lives in one shared folder each; plugin/ itself holds only the entry and the registry.
const PLUGIN_SHARED = ['cli', 'documents', 'kube', 'output', 'webhook-objects'];
const PLUGIN_ROOT_FILES = ['commands.ts', 'main.ts'];
/** Imports a command folder may make beyond its own folder and the shared ones. */
const PLUGIN_ENTRY_IMPORTS: Record<string, string[]> = {
  // The shell-completion helper's entry answers from the registered commands.
  'plugin/completion/main.ts': ['plugin/commands.js'],
};

const commandPaths = (): string[][] => COMMANDS.map((c) => c.paths?.[0] ?? []);

describe('plugin layout: one folder per command path', () => {
  it('every registered command class lives in plugin/<its path>/command.ts', async () => {
    expect(COMMANDS.length).toBeGreaterThan(15);
    for (const command of COMMANDS) {
      const path = command.paths?.[0] ?? [];
      expect(path.length, command.name).toBeGreaterThan(0);
      const file = join(ROOT, 'plugin', ...path, 'command.ts');
      expect(existsSync(file), `${path.join(' ')}: ${relative(ROOT, file)}`).toBe(true);
      const module = (await import(file)) as Record<string, unknown>;
      expect(Object.values(module), `${relative(ROOT, file)} exports ${command.name}`).toContain(command);
    }
  });

  it('every command.ts is a registered command path', () => {
    const registered = new Set(commandPaths().map((p) => ['plugin', ...p, 'command.ts'].join('/')));
    const files = sources('plugin').filter((f) => f.endsWith('/command.ts'));
    expect(files.filter((f) => !registered.has(f))).toEqual([]);
  });

  it('plugin/ holds the entry, the registry, the shared folders and one folder per command', () => {
    const entries = readdirSync(join(ROOT, 'plugin'), { withFileTypes: true });
    expect(entries.filter((e) => !e.isDirectory()).map((e) => e.name)).toEqual(PLUGIN_ROOT_FILES);
    const commandFolders = new Set(commandPaths().map((p) => p[0]!));
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !commandFolders.has(f) && !PLUGIN_SHARED.includes(f))).toEqual([]);
    expect(PLUGIN_SHARED.filter((f) => !folders.includes(f) || commandFolders.has(f))).toEqual([]);
  });

  it("a command imports only its own folder and the shared ones, never another command's", () => {
    const folderOf = (target: string): string | undefined => /^plugin\/([^/]+)\//.exec(target)?.[1];
    const files = sources('plugin').filter((f) => !PLUGIN_ROOT_FILES.includes(f.slice('plugin/'.length)));
    const crossing = files.flatMap((file) => {
      const own = folderOf(file)!;
      const shared = PLUGIN_SHARED.includes(own);
      return importSpecifiers(readFileSync(join(ROOT, file), 'utf8'))
        .map((s) => resolveSpecifier(file, s))
        .filter((target) => target.startsWith('plugin/'))
        .filter((target) => {
          const folder = folderOf(target);
          if (folder === undefined) return !PLUGIN_ENTRY_IMPORTS[file]?.includes(target);
          if (PLUGIN_SHARED.includes(folder)) return false;
          return shared || folder !== own;
        })
        .map((target) => `${file} imports ${target}`);
    });
    expect(crossing).toEqual([]);
  });
});
