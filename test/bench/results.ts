// bench/results.json holds the figures of `npm run bench` and of `npm run bench:soak`
// side by side: each command replaces only its own part, so neither clobbers the other.
// BENCHMARKS.md is rendered from the merged file.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../support/spawn-webhook.js';
import type { ProfileFigures } from './cpu-profile.js';
import { type BenchResults, renderBenchmarks, type SoakFigures } from './report.js';

export const RESULTS_PATH = join(REPO_ROOT, 'bench', 'results.json');

/** The commit the figures are measured at (short hash). */
export const currentCommit = (): string =>
  execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();

/** What the file may hold: the main run's figures (once it has run), the soak's and the profile's. */
export type StoredResults = Partial<BenchResults> & { soak?: SoakFigures; profile?: ProfileFigures };

/** True when the file holds a main run, so there is a table to render. */
export const hasMainRun = (r: StoredResults | undefined): r is BenchResults =>
  !!r && Array.isArray(r.webhook) && r.plugin !== undefined;

/** The main run's figures in place of the stored ones; the stored soak and profile are kept. */
export function withMainRun(stored: StoredResults | undefined, main: BenchResults): BenchResults {
  const { soak: _soak, profile: _profile, ...figures } = main;
  return {
    ...figures,
    ...(stored?.soak ? { soak: stored.soak } : {}),
    ...(stored?.profile ? { profile: stored.profile } : {}),
  };
}

/** The profile's figures in place of the stored ones; the rest is kept. */
export function withProfile(stored: StoredResults | undefined, profile: ProfileFigures): StoredResults {
  return { ...stored, profile };
}

/** The soak's figures in place of the stored soak; the main run's are kept. */
export function withSoak(stored: StoredResults | undefined, soak: SoakFigures): StoredResults {
  return { ...stored, soak };
}

/** The stored results, undefined when there are none yet; a file that is not JSON is an error. */
export function readResults(path = RESULTS_PATH): StoredResults | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredResults;
  } catch (err) {
    throw new Error(`${path} is not valid JSON (${(err as Error).message}); fix or delete it`);
  }
}

export function writeResults(results: StoredResults, path = RESULTS_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * Writes BENCHMARKS.md from `results` and formats it as `biome format` would (the check
 * in CI). Returns false, writing nothing, when there is no main run to render yet.
 */
export function writeReports(results: StoredResults | undefined): boolean {
  if (!hasMainRun(results)) return false;
  writeFileSync(join(REPO_ROOT, 'BENCHMARKS.md'), renderBenchmarks(results));
  const biome = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'biome'), ['format', '--write', 'BENCHMARKS.md'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (biome.status !== 0) {
    throw new Error(`biome format BENCHMARKS.md exited ${biome.status}: ${biome.stderr}${biome.stdout}`);
  }
  return true;
}
