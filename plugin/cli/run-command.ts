// Builds clipanion's CLI from command classes and runs a command line through it: shared by
// the whole plugin's entry (plugin/main.ts) and the bundles that hold one command each
// (bin/load-bundle.cjs, COMMAND_BUNDLES), so a command runs the same code from either.
import { Cli, Command, type CommandClass, type Command as CommandInstance } from 'clipanion';
import { fdWriter, type OutputWriter } from '../output/fd-writer.js';
import { PLUGIN_VERSION } from './plugin-version.js';

/** `kubectl graphdata --version`; no usage, so it stays out of the command list. */
class VersionFlagCommand extends Command {
  static override paths = [['--version']];
  async execute(): Promise<number> {
    this.context.stdout.write(`${PLUGIN_VERSION}\n`);
    return 0;
  }
}

export function buildCli(commands: readonly CommandClass[]): Cli {
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

export type CliContext = Parameters<Cli['process']>[1];

export function contextOf(streams: CliStreams): CliContext {
  return { stdin: streams.stdin, stdout: streams.stdout, stderr: streams.stderr } as unknown as CliContext;
}

/** The executable's own standard input, output and error. */
export function processStreams(): CliStreams {
  return { stdin: stdinWhenRead(), stdout: fdWriter(1, endOnClosedPipe), stderr: fdWriter(2, endOnClosedPipe) };
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

export const isHelpFlag = (a: string): boolean => a === '--help' || a === '-h';

/**
 * Runs `argv` with only those of `commands` registered whose path starts with its first
 * word; undefined, having run nothing and written nothing, when there are none, when it
 * asks for help, or when it does not parse as one of them. Compiling clipanion's parser
 * costs in proportion to the commands registered, a good part of a short command's
 * start-up; help and usage errors need every command (plugin/main.ts).
 */
export function runWithOnly(
  argv: string[],
  streams: CliStreams,
  commands: readonly CommandClass[],
): Promise<number> | undefined {
  const named = commands.filter((c) => c.paths?.some((p) => p[0] === argv[0]));
  if (named.length === 0 || argv.some(isHelpFlag)) return undefined;
  const context = contextOf(streams);
  const cli = buildCli(named);
  let command: CommandInstance;
  try {
    command = cli.process(argv, context);
  } catch {
    return undefined;
  }
  return cli.run(command, context);
}

/** What a bundle that holds one command exports: `main` for bin/, `run` for the build. */
export interface CommandBundle {
  /** Runs the command line on the process's streams; undefined when it is not this command's. */
  main(argv: string[]): Promise<number | undefined>;
  run(argv: string[], streams: CliStreams): Promise<number | undefined>;
}

/**
 * The exports of a bundle that holds one command's module (bin/load-bundle.cjs,
 * COMMAND_BUNDLES): it runs a command line that is that command's and resolves to
 * undefined for any other (help, a usage error), which bin/kubectl-graphdata then runs
 * through the whole plugin.
 * @public: called from the entry module scripts/bundle-plugin.mjs writes for such a bundle.
 */
export function commandBundle(module: Record<string, unknown>): CommandBundle {
  const commands = Object.values(module).filter(
    (value): value is CommandClass => typeof value === 'function' && value.prototype instanceof Command,
  );
  const run = async (argv: string[], streams: CliStreams) => runWithOnly(argv, streams, commands);
  return { main: (argv) => run(argv, processStreams()), run };
}
