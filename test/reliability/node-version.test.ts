// The reliability project runs in its own single fork: under `npm run test:node` it must
// be the asked-for release too (see test/unit/node-version.test.ts).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { inEngines } from '../support/node-versions.js';

describe('the Node the reliability tests run on', () => {
  it('is one engines allows, the release npm run test:node asked for, and the one on PATH', () => {
    expect(inEngines(process.version), `${process.version} is outside engines`).toBe(true);
    const spawned = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' }).stdout.trim();
    expect(spawned).toBe(process.version);
    const asked = process.env.GRAPHDATA_TEST_NODE;
    if (asked) expect(process.version).toBe(`v${asked}`);
  });
});
