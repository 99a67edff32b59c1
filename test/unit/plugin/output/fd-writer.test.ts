// The executable writes its output with fs.writeSync on descriptors 1 and 2
// (plugin/output/fd-writer.ts). Nothing may be lost: not on a pipe read slowly, not on
// one whose descriptor is non-blocking (a full pipe answers EAGAIN), and the bytes are
// those of the in-process run. A reader that goes away is test/unit/plugin/closed-pipe.test.ts.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fdWriter } from '../../../../plugin/output/fd-writer.js';
import { executorPodsYaml } from '../../../fixtures/spark-executors.js';
import { cli, PLUGIN_BIN } from '../../../support/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'graphdata-fd-writer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Preloaded with -r: opening descriptor 1 as a libuv pipe puts it in non-blocking mode,
// as a parent sharing a non-blocking pipe would; writes to a full pipe then fail with EAGAIN.
const NON_BLOCKING_STDOUT = join(work, 'non-blocking-stdout.cjs');
writeFileSync(
  NON_BLOCKING_STDOUT,
  "new (require('node:net').Socket)({ fd: 1, readable: false, writable: true }).unref();\n",
);

const never = (): never => {
  throw new Error('closed');
};

/** The executable's stdout, read slowly: after each chunk (at most 64 KB) a pause of 2 ms. */
function readSlowly(args: string[], input: string): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 2);
    });
    child.stdin.end(input);
    child.once('error', reject);
    // After the output's end: every chunk has been seen.
    child.once('close', (code) => resolve({ code, stdout: Buffer.concat(chunks), stderr }));
  });
}

describe('output written on the descriptor', () => {
  const pods = executorPodsYaml(2000);

  it.each([
    ['a blocking pipe', [PLUGIN_BIN]],
    ['a non-blocking pipe (EAGAIN)', ['-r', NON_BLOCKING_STDOUT, PLUGIN_BIN]],
  ])(
    'inject of 2,000 pods through %s read slowly: every byte, in order',
    async (_, head) => {
      const expected = (await cli(['inject', '-f', '-'], { stdin: pods })).stdout;
      expect(expected.length).toBeGreaterThan(1 << 20);
      const run = await readSlowly([...head, 'inject', '-f', '-'], pods);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.equals(Buffer.from(expected))).toBe(true);
    },
    60_000,
  );

  it('writes strings as UTF-8 and bytes as given, and a file is no terminal', () => {
    const file = join(work, 'out');
    const fd = openSync(file, 'w');
    try {
      const out = fdWriter(fd, never);
      expect(out.write('grüße\n')).toBe(true);
      out.write(Buffer.from('bytes\n'));
      expect(out.isTTY).toBe(false);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('grüße\nbytes\n');
  });

  it('/dev/null is a character device but no terminal', () => {
    const fd = openSync('/dev/null', 'w');
    try {
      expect(fdWriter(fd, never).isTTY).toBe(false);
    } finally {
      closeSync(fd);
    }
  });

  it('an error other than a closed pipe or a full buffer is thrown, not swallowed', () => {
    const fd = openSync(join(work, 'read-only'), 'w+');
    closeSync(fd);
    const readOnly = openSync(join(work, 'read-only'), 'r');
    try {
      expect(() => fdWriter(readOnly, never).write('x')).toThrow(/EBADF/);
    } finally {
      closeSync(readOnly);
    }
  });
});
