// `kubectl graphdata … | head -1`: the reader goes away after the first line. The real
// executable ends at once and quietly (141, as a shell reports for kubectl), with no
// stack trace, instead of crashing on EPIPE.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { executorPodsYaml } from '../../fixtures/spark-executors.js';
import { PLUGIN_BIN } from '../../support/run-cli.js';

function firstChunkThenClose(args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PLUGIN_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    // What `head -1` does: read once, then close the read end of the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    child.stdin.on('error', () => undefined); // the child may exit before taking all of it
    child.stdin.end(input);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed output pipe', () => {
  it('inject of 2,000 pods read by `head -1`: exit 141, nothing on stderr', async () => {
    const run = await firstChunkThenClose(['inject', '-f', '-'], executorPodsYaml(2000));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(141);
  });

  it('the same output read to its end exits 0', async () => {
    const child = spawn(PLUGIN_BIN, ['inject', '-f', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (c: Buffer) => (bytes += c.length));
    child.stdin.end(executorPodsYaml(2000));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(bytes).toBeGreaterThan(1 << 20);
  });
});
