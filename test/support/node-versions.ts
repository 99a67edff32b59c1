// The Node releases the project is tested on (test/node/versions.json, run by
// `npm run test:node`, beside the machine's own) and the range package.json `engines`
// states, read by the tests that keep the two, the Dockerfile and the running Node agreeing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../common/package-root.js';

const ROOT = packageRoot();

/** Exact releases `npm run test:node` fetches and runs the unit and reliability suites on. */
export const TESTED_NODE_VERSIONS: string[] = JSON.parse(
  readFileSync(join(ROOT, 'test', 'node', 'versions.json'), 'utf8'),
).versions;

/** package.json `engines.node`: one `^major.minor.patch` per supported release line. */
export const ENGINES_NODE: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;

const parts = (version: string): number[] => version.replace(/^v/, '').split('.').map(Number);

/** The lowest release of each supported line, by major: `^22.11.0` reads as 22 -> [22, 11, 0]. */
export function engineLines(): Map<number, number[]> {
  const lines = new Map<number, number[]>();
  for (const range of ENGINES_NODE.split('||').map((r) => r.trim())) {
    if (!/^\^\d+\.\d+\.\d+$/.test(range)) throw new Error(`engines.node: ${range} is not ^major.minor.patch`);
    const lowest = parts(range.slice(1));
    lines.set(lowest[0]!, lowest);
  }
  return lines;
}

/** True when `version` (as process.version) is in a supported line, at or above its lowest release. */
export function inEngines(version: string): boolean {
  const [major, minor, patch] = parts(version) as [number, number, number];
  const lowest = engineLines().get(major);
  if (!lowest) return false;
  return minor > lowest[1]! || (minor === lowest[1] && patch >= lowest[2]!);
}
