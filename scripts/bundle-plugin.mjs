// Part of `npm run build`: bundles the plugin (and its completion helper) into one file
// each under dist/bundle/ with esbuild, which bin/ runs: Node then reads and links one
// module instead of a hundred, most of a short command's start-up. Modules imported
// with import() inside a command are still evaluated only when that command runs.
import { build } from 'esbuild';

await build({
  entryPoints: { 'kubectl-graphdata': 'plugin/main.ts', 'kubectl_complete-graphdata': 'plugin/completion/main.ts' },
  outdir: 'dist/bundle',
  // .mjs: Node knows the format without looking for a package.json.
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // One file each: every extra module costs Node's ESM loader a resolve and a read.
  splitting: false,
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
