// Part of `npm run build`: bundles the plugin (and its completion helper) with esbuild
// into one CommonJS module each under dist/bundle/, written inside its module function
// (bin/load-bundle.cjs's BUNDLE_HEAD), and writes beside each a V8 code cache, which
// bin/load-bundle.cjs hands to vm.Script so a command starts without parsing and
// compiling the bundle (docs/benchmarks.md). Node 20 has no compile cache for ES modules
// (module.enableCompileCache needs 22.1); vm.Script takes one for a script.
// The cache is this Node's: run this script again under another Node (npm run test:node
// does) and that one's cache is added beside it.
//
// What a command does not use stays cold: a module the code imports with import()
// becomes a lazily run function in the bundle, V8 compiles a function only when it is
// first called, and the cache holds what the commands below compiled.
//
// Nothing is redone while the bundles, this runtime's caches and the files they were made
// from are unchanged (scripts/build-freshness.mjs): `npm start` builds before it starts.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { build } from 'esbuild';
import { recordInputs, staleReason } from './build-freshness.mjs';

// clipanion sets Cli.defaultContext when it loads: it creates process.stdin, process.stdout
// and process.stderr (file, pipe or terminal handles with Node's stream modules, about 3 ms
// of CPU on Node 22) and loads `tty` (with `net`) to ask for a colour depth. The plugin
// passes its own stdin, stdout and stderr to every run (plugin/main.ts: stdin created only
// when a command reads it, output written on the descriptors) and sets enableColors, so no
// default is used: the bundle's clipanion leaves the three out of the default and takes the
// platform module clipanion ships for browsers (colour depth 1; no output capture, which the
// plugin never enables). The build fails if clipanion's source no longer reads as expected.
const clipanionWithoutLoadTimeStdio = {
  name: 'clipanion-without-load-time-stdio',
  setup(build) {
    // clipanion's ES modules: its CommonJS ones would be wrapped by esbuild's __toESM once
    // per importing file, about 240 KB of young-generation garbage at load.
    const esm = join(dirname(createRequire(import.meta.url).resolve('clipanion')), 'index.mjs');
    build.onResolve({ filter: /^clipanion$/ }, () => ({ path: esm }));
    const advanced = /[\\/]node_modules[\\/]clipanion[\\/]lib[\\/]advanced[\\/]Cli\.mjs$/;
    build.onResolve({ filter: /^\.\.\/platform$/ }, ({ importer, resolveDir }) =>
      advanced.test(importer) ? { path: join(resolveDir, '..', 'platform', 'browser.mjs') } : undefined,
    );
    build.onLoad({ filter: advanced }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const defaultStdio = '\n    stdin: process.stdin,\n    stdout: process.stdout,\n    stderr: process.stderr,\n';
      if (source.split(defaultStdio).length !== 2 || !source.includes("from '../platform';"))
        throw new Error(`${path}: clipanion's default context changed; review clipanionWithoutLoadTimeStdio`);
      const noStdio = '\n    stdin: undefined,\n    stdout: undefined,\n    stderr: undefined,\n';
      return { contents: source.replace(defaultStdio, noStdio), loader: 'js' };
    });
  },
};

const { BUNDLE_HEAD, COMMAND_BUNDLES, commandBundleOf, loadBundle, cacheFileFor } = createRequire(import.meta.url)(
  '../bin/load-bundle.cjs',
);

// A bundle that holds one command (bin/load-bundle.cjs, COMMAND_BUNDLES) starts from a module
// written here: the command's plugin/<command>/command.ts and plugin/cli/run-command.ts's
// commandBundle, which gives the bundle its `main` and `run`.
const COMMAND_ENTRY = 'graphdata-command-bundle:';
const commandBundleEntries = {
  name: 'command-bundle-entries',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${COMMAND_ENTRY}`) }, ({ path }) => ({
      path: path.slice(COMMAND_ENTRY.length),
      namespace: 'command-bundle',
    }));
    build.onLoad({ filter: /.*/, namespace: 'command-bundle' }, ({ path: command }) => ({
      contents: [
        `import * as command from './${command}/command.ts';`,
        "import { commandBundle } from './cli/run-command.ts';",
        'export const { main, run } = commandBundle(command);',
      ].join('\n'),
      resolveDir: join(process.cwd(), 'plugin'),
      loader: 'js',
    }));
  },
};

const BUNDLES = {
  'kubectl-graphdata': 'plugin/main.ts',
  'kubectl_complete-graphdata': 'plugin/completion/main.ts',
  ...Object.fromEntries(COMMAND_BUNDLES.map((command) => [commandBundleOf([command]), `${COMMAND_ENTRY}${command}`])),
};
const RECORD = 'dist/bundle/inputs.json';

// The bundles and the caches this runtime reads; caches are named after the bundle's content.
const outputs = Object.keys(BUNDLES).flatMap((name) => {
  const bundle = `dist/bundle/${name}.cjs`;
  return [bundle, cacheFileFor(bundle) ?? `${bundle} (its code cache)`];
});
if (!process.argv.includes('--force') && staleReason(RECORD, outputs) === undefined) process.exit(0);

const startedMs = Date.now();
const { outputFiles, metafile } = await build({
  entryPoints: BUNDLES,
  outdir: 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  write: false,
  bundle: true,
  // The cluster client is most of the dependency code and only `--server`/`explain
  // pod/NAME`/`version` need it: loaded from node_modules when they do (it is ESM only).
  external: ['@kubernetes/client-node'],
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  // Local names shortened: a quarter less text to read at start-up (stack traces name
  // minified functions; files and lines stay right).
  minifyIdentifiers: true,
  legalComments: 'linked',
  // common/package-root.ts finds the package from its own location.
  define: { 'import.meta.url': '__gdModuleUrl' },
  banner: { js: "const __gdModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
  metafile: true,
  plugins: [clipanionWithoutLoadTimeStdio, commandBundleEntries],
});

// vm.Script gives import() no module loader, and one compiled from a code cache loses
// even vm's own (Node 20): the import() calls esbuild leaves (Node built-ins, the
// cluster client) call the one bin/load-bundle.cjs passes in as __gdImport instead.
const leftImport = /\bimport\(("[^"\\]+")\)/g;

const written = new Map();
for (const out of outputFiles) {
  if (!out.path.endsWith('.cjs')) {
    written.set(out.path, out.contents);
    continue;
  }
  let code = out.text.replace(leftImport, '__gdImport($1)');
  if (/\bimport\(/.test(code)) throw new Error(`${out.path}: an import() the build cannot route through __gdImport`);
  // bin/load-bundle.cjs reads an ASCII bundle as Latin-1, a third of the CPU of UTF-8 on
  // Node 22 (esbuild escapes non-ASCII characters unless told otherwise).
  if (!isAscii(Buffer.from(code))) throw new Error(`${out.path}: not ASCII`);
  // V8 checks a cache against the source's length only: its caches are named after the
  // content (and the runtime, bin/load-bundle.cjs), so one made from other code is never found.
  const name = out.path.replace(/^.*\/(.*)\.cjs$/, '$1');
  code = `${BUNDLE_HEAD}${code}\n})\n`;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  code += `//# codeCache=${name}.${hash}\n`;
  written.set(out.path, code);
}

// Old bundles and caches must not pile up or outlive the code they were made from: only
// the caches of exactly these bundles stay (other runtimes' caches for them included).
mkdirSync('dist/bundle', { recursive: true });
const bundleNames = [...written.values()]
  .filter((code) => typeof code === 'string')
  .map((code) => /\/\/# codeCache=([\w.-]+)\n$/.exec(code)[1]);
for (const file of readdirSync('dist/bundle')) {
  const current = bundleNames.some(
    (name) => file.startsWith(`${name}.`) && /^\.[0-9a-f]{8}\.cache$/.test(file.slice(name.length)),
  );
  if (!current) rmSync(`dist/bundle/${file}`, { recursive: true, force: true });
}
for (const [path, contents] of written) writeFileSync(path, contents);

// The cache holds the top level of each bundle and every function the commands below
// ran: start-up, CLI set-up, option parsing, YAML in and out and the engine. A command's own
// bundle is trained by that command: `validate`'s cache holds its schema validators, which
// would cost every other command 1-2 ms to deserialise.
const pod = readFileSync('test/fixtures/manifests/executor-pod.yaml', 'utf8');
const TRAINING = { inject: ['inject', '-f', '-'], validate: ['validate', '-f', '-'], version: ['version', '--client'] };

async function run(runCli, argv, stdin = '') {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let err = '';
  stdout.resume();
  stderr.on('data', (c) => (err += c));
  const code = await runCli(argv, { stdin: Readable.from([stdin]), stdout, stderr });
  if (code !== 0) throw new Error(`code cache: \`${argv.join(' ')}\` exited ${code}: ${err}`);
}

const plugin = loadBundle('kubectl-graphdata', { useCache: false });
await run(plugin.exports.runCli, TRAINING.version);
await run(plugin.exports.runCli, TRAINING.inject, pod);
writeCache(plugin);
for (const command of COMMAND_BUNDLES) {
  if (!TRAINING[command]) throw new Error(`bundle-plugin.mjs: say what trains ${command}'s bundle (TRAINING)`);
  const bundle = loadBundle(commandBundleOf([command]), { useCache: false });
  await run(bundle.exports.run, TRAINING[command], pod);
  writeCache(bundle);
}

const completion = loadBundle('kubectl_complete-graphdata', { useCache: false });
completion.exports.completionOutput(['inject', '-']);
writeCache(completion);

function writeCache({ script, cacheFile }) {
  // Written whole, then renamed: a half-written cache is never read.
  writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
  renameSync(`${cacheFile}.tmp`, cacheFile);
}

// Dependencies count through the lockfile npm ci installs (their own file times are the
// package's, not the install's); the rest are the modules the bundles hold and what made them.
const sources = Object.keys(metafile.inputs).filter(
  (file) => !/(^|\/)node_modules\//.test(file) && !file.startsWith('command-bundle:'),
);
recordInputs(RECORD, startedMs, [
  ...sources,
  'package-lock.json',
  'node_modules/.package-lock.json',
  'scripts/bundle-plugin.mjs',
  'scripts/build-freshness.mjs',
  'bin/load-bundle.cjs',
  'test/fixtures/manifests/executor-pod.yaml',
]);
