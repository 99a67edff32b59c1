// Entry of bin/kubectl_complete-graphdata: prints candidates for the words kubectl
// passes (everything after `kubectl graphdata`, the last one being typed).
import { COMMANDS } from '../commands.js';
import { buildCli } from '../cli/run-command.js';
import { commandTable, complete, formatCompletion } from './complete.js';

export function completionOutput(words: readonly string[]): string {
  return formatCompletion(complete(words, commandTable(buildCli(COMMANDS), COMMANDS)));
}

export async function main(words: string[]): Promise<number> {
  process.stdout.write(completionOutput(words));
  return 0;
}
