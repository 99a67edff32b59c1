'use strict';
// Runs a bundle that `npm run build` wrote to dist/bundle/ (scripts/bundle-plugin.mjs) as
// Node runs a CommonJS module, but through vm.Script with a V8 code cache: the bundle is
// neither parsed nor compiled again at start-up. Without a usable cache V8 compiles the
// source as usual; only start-up is slower.
//
// A cache is used only by the runtime that made it. Its file is named after the bundle's
// content and after runtimeKey(): the Node release, the CPU architecture, the V8 version
// and the flags Node was started with (not V8's cachedDataVersionTag(): loading node:v8
// loads the stream modules too, about 1 ms of start-up, and V8 checks the flag hash its
// tag adds itself). V8's own check is not enough to rely on: which flags it counts changes
// between releases (Node 20 rejects a cache made without --max-old-space-size=300, Node 24
// takes it), and it checks the source's length, not its content. A cache it rejects anyway
// (damaged, or flags it counts that the name does not) is reported and replaced.
//
// `npm run build` writes the cache of the Node that built it beside the bundle. A user
// whose Node differs (or who installed a copy without it) would compile the whole bundle
// on every start: for them the first run writes this runtime's cache into their own
// cache directory ($XDG_CACHE_HOME or ~/.cache, graphdata/code-cache, mode 0700) and
// later runs read it. A code cache is code, so one is read from there only if the file
// and its directory belong to this user and nobody else can write them; any other file,
// or any error, is ignored, and a damaged one (V8 rejects it) is replaced.
const {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} = require('node:fs');
const { isAscii } = require('node:buffer');
// Module.createRequire, as `node:module` exports it: requiring `node:module` also loads the
// ES module loader and source maps (about 0.3 ms on Node 22), which import() loads when used.
const { createRequire } = module.constructor;
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

/**
 * How every bundle the build writes starts: its code is the body of this function, which
 * loadBundle calls as Node calls a CommonJS module's wrapper. On one line, like Node's own
 * wrapper, so line numbers in stack traces stay right. The build writes it (the bundle ends
 * `})`) rather than the loader adding it: V8 then compiles the text as read, without a
 * 1 MB copy into a new string.
 */
const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname, __gdImport) {';

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
    process.versions.v8,
    nodeFlags(),
    process.env.NODE_OPTIONS ?? '',
  ].join('\n');
  let hash = 0x811c9dc5;
  for (let i = 0; i < runtime.length; i++) hash = Math.imul(hash ^ runtime.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * Commands with a bundle of their own, holding that command alone (scripts/bundle-plugin.mjs):
 * a start of `inject` or `version` reads, deserialises and runs about a third of what the
 * whole plugin's bundle and code cache hold (docs/benchmarks.md), and `validate`'s cache
 * holds its schema validators, which every other command would deserialise. Help and usage
 * errors need every command: the bundle leaves them to the whole plugin's (bin/kubectl-graphdata).
 */
const COMMAND_BUNDLES = ['inject', 'validate', 'version'];

/** The bundle of the command `argv` names, when it has one of its own; undefined otherwise. */
function commandBundleOf(argv) {
  return COMMAND_BUNDLES.includes(argv[0]) ? `kubectl-graphdata-${argv[0]}` : undefined;
}

/**
 * The bundle's exports, its vm.Script, the cache file for this runtime and what became of it
 * (`used`, `rejected` by V8, or `none` found); undefined when the bundle is not built.
 */
function loadBundle(name, { useCache = true } = {}) {
  const file = join(__dirname, '..', 'dist', 'bundle', `${name}.cjs`);
  let bytes;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
  // The build writes ASCII: read as Latin-1 (the same text) it costs a third of the CPU of UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  // Written by a build from before BUNDLE_HEAD: as good as not built.
  if (!source.startsWith(BUNDLE_HEAD)) return undefined;
  let cacheFile = cacheFileOf(file, source);
  let cachedData;
  if (useCache && cacheFile) {
    // The user's own first: there is one only where the build's was missing or rejected.
    const own = userCacheFile(cacheFile);
    cachedData = own && readOwnFile(own);
    if (cachedData) cacheFile = own;
    else {
      try {
        cachedData = readFileSync(cacheFile);
      } catch {
        // none: compile, and leave this runtime's cache in the user's directory afterwards
        if (own) cacheFile = own;
      }
    }
  }
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  // import() from this file has Node's module loader; the bundle's has none (see the build).
  const load = (specifier) => import(specifier);
  script
    .runInThisContext()
    .call(module.exports, module.exports, createRequire(file), module, file, dirname(file), load);
  const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  return { exports: module.exports, script, cacheFile, cache };
}

/** The user's cache home: $XDG_CACHE_HOME, else ~/.cache; undefined when there is none. */
function userCacheHome() {
  try {
    const base = process.env.XDG_CACHE_HOME || join(process.env.HOME || require('node:os').homedir(), '.cache');
    return base.startsWith('/') ? base : undefined;
  } catch {
    return undefined; // no home directory
  }
}

/** Where this user keeps the caches of runtimes the build made none for. */
function userCacheDir(home) {
  return join(home, 'graphdata', 'code-cache');
}

/** The user's cache file standing for the build's `cacheFile` (same name), or undefined without a usable home. */
function userCacheFile(cacheFile) {
  const home = userCacheHome();
  if (typeof process.getuid !== 'function' || !home) return undefined;
  return join(userCacheDir(home), cacheFile.slice(dirname(cacheFile).length + 1));
}

/**
 * Whether this user may create the cache directory: their cache home is theirs (or, while
 * it does not exist, the directory it would go in is). `sudo` keeps HOME: root must not
 * leave files the user cannot remove in the user's home.
 */
function cacheHomeIsOwn(home) {
  for (let dir = home; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      return lstatSync(dir).uid === process.getuid();
    } catch (error) {
      if (error.code !== 'ENOENT') return false;
    }
  }
  return false;
}

/** True for a directory or file of this user's that no one else can write (not a symlink for lstat). */
function ownedPrivately(stat) {
  return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

/** The user's cache file, if it and its directory are theirs alone; undefined otherwise. */
function readOwnFile(file) {
  let fd;
  try {
    const dir = lstatSync(dirname(file));
    if (!dir.isDirectory() || !ownedPrivately(dir)) return undefined;
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stat = fstatSync(fd);
    if (!stat.isFile() || !ownedPrivately(stat)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * After a command ran from the source (no cache for this runtime, or a rejected one): writes
 * this runtime's cache into the user's cache directory, with what the command compiled.
 * Never fails the command: a directory that is not the user's alone, or any error, skips it.
 */
function saveUserCache(loaded) {
  if (loaded.cache === 'used' || !loaded.cacheFile) return;
  try {
    const file = userCacheFile(loaded.cacheFile);
    if (!file || !cacheHomeIsOwn(userCacheHome())) return;
    const dir = dirname(file);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownedPrivately(lstatSync(dir)) || !lstatSync(dir).isDirectory()) return;
    // Written whole under a name of its own, then renamed: no reader sees half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, loaded.script.createCachedData(), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
    pruneUserCaches(dir, file);
  } catch {
    // no cache next time either: only start-up is slower
  }
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

/** Caches of one bundle kept per user: a few plugin versions and runtimes, not every one ever used. */
const KEPT_PER_BUNDLE = 4;

/** NAME.HASH.RUNTIME.cache: the bundle's name. */
function cacheKind(fileName) {
  return fileName.split('.')[0];
}

/** Removes all but the newest KEPT_PER_BUNDLE caches of the bundle `file` was made for. */
function pruneUserCaches(dir, file) {
  const kind = cacheKind(file.slice(dir.length + 1));
  const caches = readdirSync(dir)
    .filter((name) => name.endsWith('.cache') && cacheKind(name) === kind)
    .map((name) => ({ path: join(dir, name), mtimeMs: lstatSync(join(dir, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const old of caches.slice(KEPT_PER_BUNDLE)) rmSync(old.path, { force: true });
}

module.exports = { BUNDLE_HEAD, COMMAND_BUNDLES, commandBundleOf, loadBundle, cacheFileFor, saveUserCache };
