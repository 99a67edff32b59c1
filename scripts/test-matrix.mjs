// npm run test:matrix: the e2e project (security e2e included) once per supported
// Kubernetes version in test/cluster/versions.json, each against its own control plane
// (binaries built on first use and cached per version). Runs every version even when one
// fails, then prints one line per version and exits 1 if any failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const { supported } = JSON.parse(readFileSync(new URL('../test/cluster/versions.json', import.meta.url), 'utf8'));
const only = process.argv.slice(2);
const versions = only.length ? supported.filter((v) => only.includes(v)) : supported;
if (only.length && versions.length !== only.length) {
  console.error(`test:matrix: unknown version in ${only.join(' ')}; supported: ${supported.join(', ')}`);
  process.exit(2);
}
const results = [];
for (const version of versions) {
  console.log(`\n=== e2e on Kubernetes ${version} ===`);
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', '--project', 'e2e'], {
    stdio: 'inherit',
    env: { ...process.env, GRAPHDATA_K8S_VERSION: version },
  });
  results.push({ version, ok: run.status === 0, seconds: Math.round((Date.now() - started) / 1000) });
}
console.log('\nKubernetes matrix:');
for (const r of results) console.log(`  ${r.version}: ${r.ok ? 'passed' : 'FAILED'} (${r.seconds} s)`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
