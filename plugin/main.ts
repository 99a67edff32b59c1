// Entry point of `kubectl graphdata` (the kubectl-graphdata executable).
import type { Writable } from 'node:stream';
import { Builtins, Cli, type Command } from 'clipanion';
import { closest } from '../policies/suggest.js';
import { COMMANDS } from './commands/index.js';
import { painter } from './output.js';
import { PLUGIN_VERSION } from './version.js';

export function buildCli(): Cli {
  const cli = new Cli({
    binaryLabel: 'kubectl graphdata',
    binaryName: 'kubectl graphdata',
    binaryVersion: PLUGIN_VERSION,
    enableColors: false,
  });
  cli.register(Builtins.HelpCommand);
  for (const command of COMMANDS) cli.register(command);
  return cli;
}

export interface CliStreams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Runs the executable: process streams in, exit code out. */
export const main = (argv: string[]): Promise<number> => runCli(argv, process);

/** Runs the CLI; returns the exit code: 0 ok, 1 errors found or failed, 2 usage mistake. */
export async function runCli(argv: string[], streams: CliStreams): Promise<number> {
  const cli = buildCli();
  const context = { stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr } as unknown as Parameters<
    Cli['process']
  >[1];
  let command: Command;
  try {
    command = cli.process(argv.length ? argv : ['--help'], context);
  } catch (error) {
    const stderr = streams.stderr as NodeJS.WritableStream & Writable;
    const paint = painter(stderr);
    stderr.write(`${paint('red', 'error:')} ${usageMessage(cli, error as Error, argv)}\n`);
    const known = cli.definitions().some((d) => d.path.split(' ')[2] === argv[0]);
    stderr.write(
      `  ${paint('dim', 'hint:')} run \`kubectl graphdata ${known ? `${argv[0]} ` : ''}--help\` for usage and examples\n`,
    );
    return 2;
  }
  return cli.run(command, context);
}

/** clipanion's message, plus "did you mean" for a misspelt option or command. */
function usageMessage(cli: Cli, error: Error, argv: string[]): string {
  const first = (error.message.split('\n').find((l) => l.trim()) ?? error.message).replace(
    /^(Usage Error|Unknown Syntax Error): /,
    '',
  );
  const definitions = cli.definitions();
  const option = /Unsupported option name \("(--?[\w-]+)"\)/.exec(error.message)?.[1];
  if (option) {
    const options = [
      ...new Set(definitions.flatMap((d) => d.options.flatMap((o) => o.definition.match(/--?[\w-]+/g) ?? []))),
    ];
    const guess = closest(option, options);
    return guess ? `${first} — did you mean ${guess}?` : first;
  }
  const commands = [...new Set(definitions.map((d) => d.path.split(' ')[2]).filter((w): w is string => Boolean(w)))];
  if (argv[0] && !argv[0].startsWith('-') && !commands.includes(argv[0])) {
    const guess = closest(argv[0], commands);
    return `unknown command "${argv[0]}"${guess ? ` — did you mean "${guess}"?` : ''}`;
  }
  return first;
}
