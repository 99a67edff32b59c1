import { afterEach, describe, expect, it } from 'vitest';
import { cli, withEnv } from '../../support/run-cli.js';

const KEYS = ['GD_TEST_SET', 'GD_TEST_UNSET', 'GD_TEST_NEW'];
afterEach(() => {
  for (const key of KEYS) delete process.env[key];
});

describe('withEnv', () => {
  it('unsets variables given as undefined instead of writing the string "undefined"', async () => {
    process.env.GD_TEST_UNSET = 'was set';
    const inside = await withEnv({ GD_TEST_UNSET: undefined, GD_TEST_NEW: 'x' }, async () => ({
      present: 'GD_TEST_UNSET' in process.env,
      value: process.env.GD_TEST_UNSET,
      added: process.env.GD_TEST_NEW,
    }));
    expect(inside).toEqual({ present: false, value: undefined, added: 'x' });
    expect(process.env.GD_TEST_UNSET).toBe('was set');
    expect('GD_TEST_NEW' in process.env).toBe(false);
  });

  it('restores what it changed even when the function throws', async () => {
    process.env.GD_TEST_SET = 'before';
    await expect(
      withEnv({ GD_TEST_SET: 'during' }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(process.env.GD_TEST_SET).toBe('before');
  });
});

describe('cli', () => {
  it('keeps the process.env object (it still turns values into strings) and leaves other variables alone', async () => {
    const env = process.env;
    await cli(['version', '--client'], { env: { GD_TEST_UNSET: undefined, GD_TEST_NEW: 'y' } });
    expect(process.env).toBe(env);
    (process.env as Record<string, unknown>).GD_TEST_SET = 1;
    expect(process.env.GD_TEST_SET).toBe('1');
    expect('GD_TEST_UNSET' in process.env).toBe(false);
    expect('GD_TEST_NEW' in process.env).toBe(false);
  });
});
