import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../../plugin/commands.js';
import { commandTable, complete, Directive } from '../../../../plugin/completion/complete.js';
import { completionOutput } from '../../../../plugin/completion/main.js';
import { buildCli } from '../../../../plugin/cli/run-command.js';
import { runCli } from '../run-cli.js';

const table = commandTable(buildCli(COMMANDS), COMMANDS);
// The kinds are the second words of the `scaffold …` command classes: nothing else lists them.
const SCAFFOLD_KINDS = COMMANDS.flatMap((c) => c.paths ?? [])
  .filter((p) => p[0] === 'scaffold')
  .map((p) => p[1]!);
const values = (words: string[]) => complete(words, table).candidates.map((c) => c.value);

describe('completion candidates', () => {
  it('complete command names from the registered commands', () => {
    const names = values(['']);
    for (const c of COMMANDS) expect(names).toContain(c.paths![0]![0]);
    expect(values(['sc'])).toEqual(['scaffold']);
    expect(complete([''], table).candidates.find((c) => c.value === 'scaffold')?.description).toMatch(
      /^spark, cn, .*policy, vela-definitions, vela-app$/,
    );
  });

  it('complete scaffold kinds from the command classes, and completion shells as positionals', () => {
    expect(SCAFFOLD_KINDS).toEqual([
      'spark',
      'cn',
      'starrocks-cluster',
      'dataset',
      'graphscope',
      'policy',
      'vela-definitions',
      'vela-app',
    ]);
    expect(values(['scaffold', ''])).toEqual(SCAFFOLD_KINDS);
    expect(values(['scaffold', 'st'])).toEqual(['starrocks-cluster']);
    expect(complete(['scaffold', 'da'], table).candidates[0]?.description).toMatch(/Fluid Dataset/);
    expect(values(['scaffold', 'spark', ''])).toEqual([]);
    expect(values(['completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('complete -o values from the option definition, in both spellings', () => {
    expect(values(['scaffold', 'spark', 'x', '-o', ''])).toEqual(['yaml', 'json']);
    expect(values(['version', '--output', 'j'])).toEqual(['json']);
    expect(values(['version', '--output=y'])).toEqual(['--output=yaml']);
    expect(values(['scaffold', 'policy', 'p', '--mode', ''])).toEqual(['Enforce', 'Audit']);
  });

  it('complete flag names of the command being typed', () => {
    const flags = values(['scaffold', 'spark', 'x', '--']);
    expect(flags).toEqual(expect.arrayContaining(['--no-webhook', '--executors', '--output', '--namespace', '--help']));
    // Only the kind's own flags: no other kind's, and no cluster flags for an offline command.
    expect(flags).not.toContain('--mount');
    expect(flags).not.toContain('--kubeconfig');
    expect(values(['scaffold', 'dataset', 'x', '--m'])).toEqual([
      '--mount',
      '--mem-quota',
      '--min-replicas',
      '--max-replicas',
    ]);
    expect(values(['--v'])).toEqual(['--version']);
    expect(values(['scaffold', 'spark', 'x', '--exec'])).toEqual([
      '--executors',
      '--executor-cores',
      '--executor-memory',
    ]);
    expect(values(['version', '--c'])).toEqual(expect.arrayContaining(['--client', '--context']));
  });

  it('say NoFileComp for names, and leave file names to the shell where a value is a path', () => {
    expect(complete(['scaffold', ''], table).directive).toBe(Directive.NoFileComp);
    expect(complete(['version', '--kubeconfig', ''], table)).toEqual({ candidates: [], directive: Directive.Default });
    expect(complete(['scaffold', 'spark', 'x', '--image', ''], table)).toEqual({
      candidates: [],
      directive: Directive.NoFileComp,
    });
  });

  it("print cobra's format: candidate lines, then :<directive>", () => {
    expect(completionOutput(['scaffold', 'sp'])).toBe(
      'spark\tSparkApplication reading from Alluxio, with its driver ServiceAccount and RBAC\n:4\n',
    );
    expect(completionOutput(['sca']).split('\n')).toEqual([expect.stringMatching(/^scaffold\t.+/), ':4', '']);
  });
});

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const withBin = { ...process.env, PATH: `${root}bin:${process.env.PATH}` };

describe('kubectl_complete-graphdata', () => {
  it('is a Node executable next to kubectl-graphdata', () => {
    const run = spawnSync('node', ['--check', `${root}bin/kubectl_complete-graphdata`], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });

  // kubectl runs the compiled plugin: `npm test` builds first.
  it("answers kubectl's plugin completion", () => {
    const run = spawnSync('kubectl', ['__complete', 'graphdata', 'scaffold', 'sp'], { encoding: 'utf8', env: withBin });
    expect(run.stdout).toMatch(/^spark\tSparkApplication .*\n:4\n$/);
  });

  it('drives the bash script', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const probe = `${script}\nCOMP_WORDS=(kubectl-graphdata scaffold policy p --mode E); COMP_CWORD=5; __kubectl_graphdata_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const run = spawnSync('bash', ['-c', probe], { encoding: 'utf8', env: withBin });
    expect(run.stdout).toBe('Enforce\n');
  });
});

describe('kubectl graphdata completion', () => {
  it.each(['bash', 'zsh', 'fish'])('prints a %s script that calls the completer', async (shell) => {
    const run = await runCli(['completion', shell]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('kubectl_complete-graphdata');
    expect(run.stdout).toContain('kubectl-graphdata');
  });

  it('the bash script is valid bash', async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const run = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });

  it('an unknown shell is a usage error with a suggestion', async () => {
    const run = await runCli(['completion', 'bsh']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('did you mean "bash"?');
  });
});
