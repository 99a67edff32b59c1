'use strict';
// Runs a bundle that `npm run build` wrote to dist/bundle/ (scripts/bundle-plugin.mjs) as
// Node runs a CommonJS module, but through vm.Script with the V8 code cache made at
// build time: the bundle is neither parsed nor compiled again at start-up. Without a
// cache (not made, or made by another Node or V8 build: V8 rejects it) V8 compiles the
// source as usual; only start-up is slower.
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/** The bundle's exports and its vm.Script; undefined when the plugin is not built. */
function loadBundle(name, { useCache = true } = {}) {
  const file = join(__dirname, '..', 'dist', 'bundle', `${name}.cjs`);
  let source;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
  // The last line names the cache made from exactly this source.
  const cacheName = /\/\/# codeCache=([\w.-]+)\n$/.exec(source.slice(-100))?.[1];
  const cacheFile = cacheName && join(dirname(file), cacheName);
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
  return { exports: module.exports, script, cacheFile };
}

module.exports = { loadBundle };
