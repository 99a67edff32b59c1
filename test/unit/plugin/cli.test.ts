import { Cli, Command, Option } from 'clipanion';
import { describe, expect, it } from 'vitest';
import { BaseCommand, dryRunMode, dryRunOption, GraphdataCommand, namespaceOption } from '../../../plugin/cli/base.js';
import { COMMANDS } from '../../../plugin/commands.js';
import { commandInfos, groupHelp, topLevelHelp, usageProblem } from '../../../plugin/cli/help.js';
import { PLUGIN_VERSION } from '../../../plugin/cli/plugin-version.js';
import { runCli } from './run-cli.js';

const paths = COMMANDS.flatMap((c) => c.paths ?? []).map((p) => p.join(' '));

describe('kubectl graphdata --help', () => {
  it('lists every registered command on one line with its description, and no flags', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const c of COMMANDS) {
      const line = run.stdout.split('\n').find((l) => l.startsWith(`  ${c.paths![0]!.join(' ')} `));
      expect(line, c.paths![0]!.join(' ')).toContain(c.usage!.description!);
    }
    expect(run.stdout).not.toMatch(/#0|\[--/);
    expect(run.stdout).toContain('Use "kubectl graphdata <command> --help"');
    expect(run.stdout.split('\n').length).toBeLessThan(paths.length + 20);
  });

  it('is also what no arguments and `help` print', async () => {
    const help = (await runCli(['--help'])).stdout;
    expect((await runCli([])).stdout).toBe(help);
    expect((await runCli(['help'])).stdout).toBe(help);
    expect((await runCli(['-h'])).stdout).toBe(help);
  });

  it('--version prints the plugin version', async () => {
    const run = await runCli(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${PLUGIN_VERSION}\n`, stderr: '' });
  });
});

describe('command help', () => {
  it("scaffold spark --help shows Spark's flags only", async () => {
    const run = await runCli(['scaffold', 'spark', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--executors', '--no-webhook', '--main-class', '-n, --namespace', '-o, --output yaml|json'])
      expect(run.stdout).toContain(flag);
    for (const flag of ['--mount', '--fe-address', '--registry', '--cluster', '--kubeconfig'])
      expect(run.stdout).not.toContain(flag);
    expect(run.stdout).toContain('Usage:\n  kubectl graphdata scaffold spark NAME [flags]');
  });

  it('scaffold dataset --help works', async () => {
    const run = await runCli(['scaffold', 'dataset', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--mount');
    expect(run.stdout).not.toContain('--executors');
    expect(run.stdout).toContain('kubectl graphdata scaffold dataset sales');
  });

  it('scaffold --help lists the kinds', async () => {
    const run = await runCli(['scaffold', '--help']);
    expect(run.code).toBe(0);
    for (const kind of ['spark', 'cn', 'starrocks-cluster', 'dataset', 'graphscope', 'policy'])
      expect(run.stdout).toMatch(new RegExp(`^  scaffold ${kind} +\\S`, 'm'));
    expect(run.stdout).toContain('kubectl graphdata scaffold <kind> [flags]');
  });

  it('required flags and positionals are in the usage line, never clipanion placeholders', async () => {
    const inject = await runCli(['inject', '--help']);
    expect(inject.stdout).toContain('Usage:\n  kubectl graphdata inject -f FILENAME [flags]');
    for (const path of paths) expect((await runCli([...path.split(' '), '--help'])).stdout).not.toContain('#0');
  });
});

describe('usage errors name what is wrong and what to type (exit 2)', () => {
  it('inject without -f', async () => {
    const run = await runCli(['inject']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: inject needs -f FILENAME');
    expect(run.stderr).toContain('hint: e.g. kubectl graphdata inject -f ');
    expect(run.stderr).not.toContain('Command not found');
  });

  it('explain deploy/x', async () => {
    const run = await runCli(['explain', 'deploy/x']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('explain reads live pods only, not deploy/x');
    expect(run.stderr).toContain('kubectl get deploy/x -o yaml | kubectl graphdata explain -f -');
  });

  it.each([
    [['inject', '-f'], '-f needs a value'],
    [['validate', '-o', 'xml'], '-o "xml": expected one of'],
    [['scaffold', 'spark', 'job', '--executors', 'many'], '--executors "many": expected a number'],
    [['scaffold', 'spark', 'a', 'b'], 'scaffold spark takes NAME; "b" is one too many'],
    [['version', 'extra'], 'version takes no arguments; "extra" is one too many'],
    [['validate', '--stirct'], 'validate has no flag --stirct — did you mean --strict?'],
    [['scaffold', 'cn', 'x', '--fe-adress', 'a:1'], 'did you mean --fe-address?'],
    [['scaffold'], 'scaffold needs a kind'],
    [['injct'], 'unknown command "injct" — did you mean "inject"?'],
    [['--bogus'], 'unknown flag --bogus: a command comes first'],
  ])('%j', async (args, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toMatch(/\n {2}hint: .*kubectl graphdata/);
  });

  it('every command of the registry gets a usage error with its own example for a stray argument', async () => {
    for (const path of paths) {
      const run = await runCli([...path.split(' '), 'a', 'b', 'c', 'd']);
      expect(run.code, path).toBe(2);
      expect(run.stderr, path).toMatch(new RegExp(`^error: ${path} takes .*one too many`));
    }
  });
});

describe('new command classes are picked up from the registry', () => {
  class DemoRotateCommand extends GraphdataCommand {
    static override paths = [['demo', 'rotate']];
    static override usage = Command.Usage({
      category: 'Cluster',
      description: 'Rotate the serving certificate',
      examples: [['Rotate now', '$0 demo rotate --dry-run=server']],
    });
    dryRun = dryRunOption();
    async run() {
      this.context.stdout.write(`${dryRunMode(this.dryRun)}\n`);
      return 0;
    }
  }
  const cli = new Cli({ binaryName: 'kubectl graphdata' });
  for (const c of [...COMMANDS, DemoRotateCommand]) cli.register(c);
  const infos = commandInfos(cli);

  it('in the top-level help, the group help and the usage errors', () => {
    expect(topLevelHelp(infos, '0')).toMatch(/^ {2}demo rotate +Rotate the serving certificate$/m);
    expect(groupHelp(infos, ['demo'])).toContain('demo rotate');
    expect(usageProblem(infos, ['demo'], new Error('Command not found'))).toEqual({
      message: 'demo needs a command: rotate',
      hint: 'e.g. kubectl graphdata demo rotate --dry-run=server; run `kubectl graphdata demo --help` to see what each one writes',
    });
    expect(
      usageProblem(infos, ['demo', 'rotate', '--dry'], new Error('Unsupported option name ("--dry")')).message,
    ).toBe('demo rotate has no flag --dry — did you mean --dry-run?');
  });

  it('with the shared --dry-run flag: none|client|server, bare means client', () => {
    const mode = (argv: string[]) => dryRunMode((cli.process(argv) as DemoRotateCommand).dryRun);
    expect(mode(['demo', 'rotate'])).toBe('none');
    expect(mode(['demo', 'rotate', '--dry-run'])).toBe('client');
    expect(mode(['demo', 'rotate', '--dry-run=server'])).toBe('server');
    expect(() => cli.process(['demo', 'rotate', '--dry-run=maybe'])).toThrow(/dry-run/);
  });

  it('an offline command takes only the flags it declares', () => {
    class Offline extends BaseCommand {
      static override paths = [['offline']];
      namespace = namespaceOption();
      name = Option.String();
      async run() {
        return 0;
      }
    }
    const offline = new Cli();
    offline.register(Offline);
    expect(() => offline.process(['offline', 'x', '--kubeconfig', 'k'])).toThrow(/kubeconfig/);
  });
});
