// The flag is set only where this V8 has it: an unknown flag makes setFlagsFromString print
// an error on every start, and a future V8 that drops it must fail here, not in production.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/spawn-webhook.js';
import { EXTERNAL_MEMORY_FLAG, hasExternalMemoryFlag } from '../../../webhook/gc-tuning.js';

describe('garbage collection tuning', () => {
  it(`sets ${EXTERNAL_MEMORY_FLAG} exactly where this Node's V8 lists it`, () => {
    const listed = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).includes(
      `${EXTERNAL_MEMORY_FLAG} (`,
    );
    expect(hasExternalMemoryFlag(), `V8 ${process.versions.v8}`).toBe(listed);
  });

  it('by V8 major version: 11 and 12 (Node 20, 22) without it, 13 (Node 24) with it', () => {
    expect(hasExternalMemoryFlag('11.3.244.8-node.38')).toBe(false);
    expect(hasExternalMemoryFlag('12.4.254.21-node.57')).toBe(false);
    expect(hasExternalMemoryFlag('13.6.233.17-node.63')).toBe(true);
  });

  it('tuneGarbageCollection prints no flag error on this Node', () => {
    const run = (code: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', cwd: REPO_ROOT });
    const tuned = run("const m = await import('./dist/webhook/gc-tuning.js'); m.tuneGarbageCollection();");
    expect(tuned.status).toBe(0);
    expect(tuned.stderr).toBe('');
    // What it guards against: V8 prints an unknown flag's error and goes on.
    const unknown = run("(await import('node:v8')).setFlagsFromString('--no-such-graphdata-flag');");
    expect(unknown.stderr).toMatch(/unrecognized flag/);
  });
});
