// Part of `npm run build`: bundles the plugin (and its completion helper) with esbuild
// into dist/bundle/, which bin/ runs. The entry holds what every command needs (the CLI
// and the command classes); each module a command imports with import() inside run()
// (the YAML parsers, the engine, certificates) is a chunk of its own under chunks/,
// read and compiled only when that command runs: compiling one 1.2 MB file was most
// of a short command's start-up (BENCHMARKS.md).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names change with their content: old ones must not pile up.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { 'kubectl-graphdata': 'plugin/main.ts', 'kubectl_complete-graphdata': 'plugin/completion/main.ts' },
  outdir: 'dist/bundle',
  // .mjs: Node knows the format without looking for a package.json.
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // Dynamic imports become chunks; code shared by both entries is a chunk too.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  // The cluster client is most of the dependency code and only `--server`/`explain
  // pod/NAME`/`version` need it: loaded from node_modules when they do.
  external: ['@kubernetes/client-node'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'linked',
  // CommonJS dependencies call require() for Node's own modules; give the ESM bundle one.
  banner: {
    js: "import { createRequire as __gdRequire } from 'node:module'; const require = __gdRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// A dynamic import() of a CommonJS package becomes a chunk that exports only `default`,
// so `const { x } = await import('pkg')` would find nothing: import a module of ours
// that re-exports what is needed (as common/yaml-stringify.ts does for `yaml`).
for (const file of readdirSync('dist/bundle/chunks')) {
  const cjs = /export default (require_\w+)\(\);\s*$/.exec(readFileSync(`dist/bundle/chunks/${file}`, 'utf8'));
  if (cjs)
    throw new Error(
      `dist/bundle/chunks/${file}: import() of a CommonJS package (${cjs[1]}); import a re-exporting module instead`,
    );
}
