// The Node this suite runs on: one package.json `engines` allows, and under
// `npm run test:node` (GRAPHDATA_TEST_NODE) exactly the release it asked for, in vitest's
// worker and in every `node` a test spawns. Without this a run could report another Node's results.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { engineLines, inEngines, TESTED_NODE_VERSIONS } from '../support/node-versions.js';

describe('the Node the unit tests run on', () => {
  it('is one package.json engines allows', () => {
    expect(inEngines(process.version), `${process.version} is outside engines`).toBe(true);
  });

  it('is the release npm run test:node asked for, in this worker and on PATH', () => {
    const asked = process.env.GRAPHDATA_TEST_NODE;
    const spawned = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
    expect(spawned).toBe(process.version);
    if (asked) expect(process.version).toBe(`v${asked}`);
  });

  it('engines reads as the lines test:node tests, and the checker reads ranges right', () => {
    const tested = TESTED_NODE_VERSIONS.map((v) => Number(v.split('.')[0]));
    for (const major of tested) expect(engineLines().has(major), `engines lacks Node ${major}`).toBe(true);
    for (const v of TESTED_NODE_VERSIONS) expect(inEngines(`v${v}`), v).toBe(true);
    expect(inEngines('v20.15.9')).toBe(false);
    expect(inEngines('v21.7.3')).toBe(false);
    expect(inEngines('v26.0.0')).toBe(false);
  });
});
