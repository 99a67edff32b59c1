// Runs before `npm start` / `npm test`: installs the locked npm dependencies when
// node_modules is missing or older than the lockfile, so a fresh clone needs no extra
// command. `npm ci` installs exactly the lockfile and never rewrites it, so the clone
// stays clean (package-lock.json lists every platform's optional packages for that).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync('package-lock.json').mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  console.error('graphdata: installing npm dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
