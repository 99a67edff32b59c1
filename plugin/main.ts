// Entry point of `kubectl graphdata` (the kubectl-graphdata executable).
import type { Writable } from 'node:stream';
import { Cli, Command, type CommandClass, type Command as CommandInstance } from 'clipanion';
import { COMMANDS } from './commands.js';
import {
  commandHelp,
  commandInfos,
  groupHelp,
  leadingWords,
  matchCommand,
  matchGroup,
  topLevelHelp,
  usageProblem,
} from './cli/help.js';
import { fdWriter, type OutputWriter } from './output/fd-writer.js';
import { painter } from './output/format.js';
import { PLUGIN_VERSION } from './cli/plugin-version.js';

/** `kubectl graphdata --version`; no usage, so it stays out of the command list. */
class VersionFlagCommand extends Command {
  static override paths = [['--version']];
  async execute(): Promise<number> {
    this.context.stdout.write(`${PLUGIN_VERSION}\n`);
    return 0;
  }
}

export function buildCli(commands: readonly CommandClass[] = COMMANDS): Cli {
  const cli = new Cli({
    binaryLabel: 'kubectl graphdata',
    binaryName: 'kubectl graphdata',
    binaryVersion: PLUGIN_VERSION,
    enableColors: false,
  });
  cli.register(VersionFlagCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

export interface CliStreams {
  stdin: AsyncIterable<string | Buffer>;
  stdout: NodeJS.WritableStream | OutputWriter;
  stderr: NodeJS.WritableStream | OutputWriter;
}

/** Runs the executable: process streams in, exit code out. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, {
    stdin: stdinWhenRead(),
    stdout: fdWriter(1, endOnClosedPipe),
    stderr: fdWriter(2, endOnClosedPipe),
  });
}

/**
 * Standard input, opened when a command first reads it: creating process.stdin (a file,
 * pipe or terminal handle, with Node's stream modules) costs about 1 ms of a short
 * command's start-up, and most commands never read it. Commands only iterate it.
 */
function stdinWhenRead(): AsyncIterable<string | Buffer> {
  return { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() };
}

/**
 * `kubectl graphdata … | head -1`: once the reader has gone, nothing more can be said, so
 * the command ends at once and quietly, with 141 (128 + SIGPIPE), the status a shell
 * reports for kubectl itself (Go programs die of SIGPIPE there).
 */
function endOnClosedPipe(): never {
  process.exit(141);
}

const isHelpFlag = (a: string): boolean => a === '--help' || a === '-h';

/** Runs the CLI; returns the exit code: 0 ok, 1 errors found or failed, 2 usage mistake. */
export async function runCli(argv: string[], streams: CliStreams): Promise<number> {
  const context = { stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr } as unknown as Parameters<
    Cli['process']
  >[1];
  // Compiling clipanion's parser for every command is a good part of a short command's
  // start-up: the command(s) the first word names are tried alone first. Help and every
  // usage error take the full path below, so what they print never depends on this.
  const named = argv.some(isHelpFlag) ? [] : COMMANDS.filter((c) => c.paths?.some((p) => p[0] === argv[0]));
  if (named.length) {
    const alone = buildCli(named);
    let command: CommandInstance | undefined;
    try {
      command = alone.process(argv, context);
    } catch {
      command = undefined;
    }
    if (command) return alone.run(command, context);
  }
  const cli = buildCli();
  const beforeDashes = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (argv.length === 0 || beforeDashes.some(isHelpFlag) || (argv.length === 1 && argv[0] === 'help')) {
    const help = helpFor(cli, argv[0] === 'help' ? [] : beforeDashes);
    if (help !== undefined) {
      streams.stdout.write(help);
      return 0;
    }
  }
  let command: CommandInstance;
  try {
    command = cli.process(argv, context);
  } catch (error) {
    const stderr = streams.stderr as NodeJS.WritableStream & Writable;
    const paint = painter(stderr);
    const { message, hint } = usageProblem(commandInfos(cli), argv, error as Error);
    stderr.write(`${paint('red', 'error:')} ${message}\n  ${paint('dim', 'hint:')} ${hint}\n`);
    return 2;
  }
  return cli.run(command, context);
}

/** Help for the command or group the words name; undefined when they name neither (a usage error follows). */
function helpFor(cli: Cli, argv: readonly string[]): string | undefined {
  const infos = commandInfos(cli);
  const words = leadingWords(argv);
  if (words.length === 0) return topLevelHelp(infos, PLUGIN_VERSION);
  const command = matchCommand(infos, words);
  if (command) return commandHelp(command);
  const group = matchGroup(infos, words);
  return group && group.length === words.length ? groupHelp(infos, group) : undefined;
}
