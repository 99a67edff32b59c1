// Entry point of `kubectl graphdata` (the kubectl-graphdata executable): every command.
import type { Writable } from 'node:stream';
import type { Cli, Command as CommandInstance } from 'clipanion';
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
import { painter } from './output/format.js';
import { PLUGIN_VERSION } from './cli/plugin-version.js';
import { buildCli, type CliStreams, contextOf, isHelpFlag, processStreams, runWithOnly } from './cli/run-command.js';

/** Runs the executable: process streams in, exit code out. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, processStreams());
}

/** Runs the CLI; returns the exit code: 0 ok, 1 errors found or failed, 2 usage mistake. */
export async function runCli(argv: string[], streams: CliStreams): Promise<number> {
  // The command(s) the first word names are tried alone first (plugin/cli/run-command.ts).
  // Help and every usage error take the full path below, so what they print never depends on this.
  const alone = runWithOnly(argv, streams, COMMANDS);
  if (alone) return alone;
  const context = contextOf(streams);
  const cli = buildCli(COMMANDS);
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
