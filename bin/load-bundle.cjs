'use strict';
// Runs a bundle that `npm run build` wrote to dist/bundle/ (scripts/bundle-plugin.mjs) as
// Node runs a CommonJS module, but through vm.Script with a V8 code cache: the bundle is
// neither parsed nor compiled again at start-up. Without a usable cache V8 compiles the
// source as usual; only start-up is slower.
//
// A cache is used only by the runtime that made it. Its file is named after the bundle's
// content and after runtimeKey(): the Node release, the CPU, V8's own version tag (its
// version, flag hash and CPU features) and the flags Node was started with. V8's own check
// is not enough to rely on: which flags it counts changes between releases (Node 20 rejects
// a cache made without --max-old-space-size=300, Node 24 takes it), and it checks the
// source's length, not its content. A cache it rejects anyway (damaged) is reported.
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');
const { cachedDataVersionTag } = require('node:v8');

/** The flags Node was started with; not the code given with -e or -p. */
function nodeFlags() {
  const flags = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    if (/^(-e|-p|-pe|--eval|--print)$/.test(argv[i])) i++;
    else if (!/^--(eval|print)=/.test(argv[i])) flags.push(argv[i]);
  }
  return flags.join(' ');
}

/** This runtime, as a short name: FNV-1a of what decides whether a cache it made fits. */
function runtimeKey() {
  const runtime = [
    process.version,
    process.arch,
    cachedDataVersionTag(),
    nodeFlags(),
    process.env.NODE_OPTIONS ?? '',
  ].join('\n');
  let hash = 0x811c9dc5;
  for (let i = 0; i < runtime.length; i++) hash = Math.imul(hash ^ runtime.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * The bundle's exports, its vm.Script, the cache file for this runtime and what became of
 * it (`used`, `rejected` by V8, or `none` found); undefined when the plugin is not built.
 */
function loadBundle(name, { useCache = true } = {}) {
  const file = join(__dirname, '..', 'dist', 'bundle', `${name}.cjs`);
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
  const cacheFile = cacheFileOf(file, source);
  let cachedData;
  if (useCache && cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // no cache: compile
    }
  }
  // One line, like Node's own module wrapper: line numbers in stack traces stay right.
  const wrapped = `(function (exports, require, module, __filename, __dirname, __gdImport) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} };
  // import() from this file has Node's module loader; the bundle's has none (see the build).
  const load = (specifier) => import(specifier);
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(file), module, file, dirname(file), load);
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  return { exports: module.exports, script, cacheFile, cache };
}

/** This runtime's cache file for a bundle: the last line names the bundle's content. */
function cacheFileOf(file, source) {
  const bundleName = /\/\/# codeCache=([\w.-]+)\n$/.exec(source.slice(-100))?.[1];
  return bundleName && join(dirname(file), `${bundleName}.${runtimeKey()}.cache`);
}

/** The cache file this runtime reads for a bundle file; undefined when there is none to read. */
function cacheFileFor(file) {
  try {
    return cacheFileOf(file, readFileSync(file, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

module.exports = { loadBundle, cacheFileFor };
