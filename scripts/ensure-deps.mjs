// Runs before `npm start` / `npm test`: installs npm dependencies when they are
// missing or older than the lockfile, so a fresh clone needs no extra command.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  // `npm install`, not `npm ci`: this npm leaves other platforms' optional packages
  // (rollup's native builds) out of the lockfile and then `npm ci` refuses it as out of
  // sync. With a lockfile present, `npm install` still installs exactly its versions.
  console.error('graphdata: installing npm dependencies (npm install)…');
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
