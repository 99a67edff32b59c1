// `npm run test:node`: the suites that need no control plane (unit, security, reliability)
// on each Node release the project supports besides the one running npm (CI's machine
// has Node 20; the image ships 24).
// Node's release binaries come from the npm registry as the package node-<platform>-<arch>
// (no install script), unpacked once into a cache outside the clone, as the control-plane
// binaries are: ${XDG_CACHE_HOME:-~/.cache}/graphdata/node-<version>/bin/node.
//
// Each version's binary goes first on PATH, and vitest itself runs on it, so its workers
// (forks and threads start from process.execPath) and every `node` a test spawns are that
// release: test/*/node-version.test.ts fail when they are not (GRAPHDATA_TEST_NODE).
//
//   npm run test:node                 # every version in test/node/versions.json
//   npm run test:node -- 24.22.3      # one exact version
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = join(new URL('.', import.meta.url).pathname, '..', '..');
/** Exact releases, so every run tests the same binaries; raised deliberately (versions.json). */
const NODE_VERSIONS = JSON.parse(readFileSync(join(root, 'test', 'node', 'versions.json'), 'utf8')).versions;
const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'graphdata');
const pkg = `node-${process.platform}-${process.arch}`;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** The cached binary of this release, fetched with `npm pack` the first time. */
function nodeBinary(version) {
  const dir = join(cache, `node-${version}`);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, `.node-${version}-`));
  try {
    console.error(`graphdata: fetching ${pkg}@${version} from the npm registry into ${dir}`);
    // npm checks the tarball against the registry's integrity hash; nothing in it runs.
    const packed = spawnSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', work, '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (packed.status !== 0) throw new Error(`npm pack ${pkg}@${version} failed (is ${version} published?)`);
    const tarball = join(work, packed.stdout.trim().split('\n').at(-1));
    const unpacked = join(work, 'unpacked');
    mkdirSync(unpacked);
    if (run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1', 'package/bin/node', 'package/LICENSE']))
      throw new Error(`could not unpack ${tarball}`);
    const reported = spawnSync(join(unpacked, 'bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (reported !== `v${version}`) throw new Error(`${pkg}@${version} reports ${reported || 'nothing'}`);
    // Renamed into place whole: a half-unpacked release is never found. Another run may
    // have put it there meanwhile; then that one is used.
    try {
      renameSync(unpacked, dir);
    } catch (error) {
      if (!existsSync(bin)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return bin;
}

/** Every vitest project but e2e, which needs the control plane (npm test runs it on this Node). */
const PROJECTS = ['unit', 'security', 'reliability'];

const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : NODE_VERSIONS;
for (const v of versions) if (!/^\d+\.\d+\.\d+$/.test(v)) throw new Error(`${v}: give an exact version, as 24.22.3`);

// Built once with this Node: dist/ is plain JavaScript whichever release runs it.
if (run('npm', ['run', '--silent', 'pretest'])) process.exit(1);

const results = [];
for (const version of versions) {
  const bin = nodeBinary(version);
  const env = {
    ...process.env,
    PATH: `${join(bin, '..')}:${process.env.PATH}`,
    GRAPHDATA_TEST_NODE: version,
  };
  console.error(`\ngraphdata: unit, security and reliability tests on Node ${version}`);
  const started = Date.now();
  // The plugin's V8 code cache is per Node release: this one's is added beside the others.
  let code = run(bin, ['scripts/bundle-plugin.mjs'], { env });
  if (code === 0)
    code = run(bin, ['node_modules/vitest/vitest.mjs', 'run', ...PROJECTS.flatMap((p) => ['--project', p])], { env });
  results.push({ version, code, seconds: Math.round((Date.now() - started) / 1000) });
}

console.error('');
for (const r of results)
  console.error(
    `graphdata: Node ${r.version}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`} in ${r.seconds} s`,
  );
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
