// A bundle that holds one command (bin/load-bundle.cjs, COMMAND_BUNDLES) runs that command's
// command lines as the whole plugin does, and leaves every other one, having written nothing.
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { commandBundle } from '../../../../plugin/cli/run-command.js';
import * as injectModule from '../../../../plugin/inject/command.js';
import { REPO_ROOT } from '../../../support/spawn-webhook.js';
import { cliProcess, runCli } from '../run-cli.js';

const POD = join(REPO_ROOT, 'test', 'fixtures', 'manifests', 'executor-pod.yaml');

async function runBundled(args: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await commandBundle(injectModule).run(args, { stdin: Readable.from(['']), stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe("a command's own bundle", () => {
  it('runs its command as the whole plugin does', async () => {
    const alone = await runBundled(['inject', '-f', POD]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toContain('graphdata.io/injected');
    expect(alone).toEqual(await runCli(['inject', '-f', POD]));
  });

  it.each([[['inject', '--help']], [['inject', '-h', '-f', POD]], [['inject', '--no-such-flag']], [['version']], [[]]])(
    'leaves %j to the whole plugin, having written nothing',
    async (args) => {
      expect(await runBundled(args)).toEqual({ code: undefined, stdout: '', stderr: '' });
    },
  );

  it('through bin/, what it leaves is answered by the whole plugin', async () => {
    for (const args of [
      ['inject', '--no-such-flag'],
      ['inject', '--help'],
    ]) {
      const run = cliProcess(args);
      expect(run).toEqual(await runCli(args));
      expect(run.code === 2 ? run.stderr : run.stdout).toContain('inject');
    }
  });
});
