// Shell completion from the registered commands: names (scaffold kinds are command
// paths too) and flags from clipanion's definitions, flag values from each flag's
// `a|b|c` description, positional values from a command's static `completions`.
// Answers in cobra's `__complete` format, which kubectl (≥ 1.26) expects from
// `kubectl_complete-<plugin>`.
import type { Cli, CommandClass } from 'clipanion';
import { commandInfos } from '../cli/help.js';

/** cobra's ShellCompDirective bits. */
export const Directive = { Default: 0, Error: 1, NoSpace: 2, NoFileComp: 4 } as const;

/** What a command class may declare so its positionals complete, e.g. completion's shells. */
export interface CompletionHints {
  positionals?: readonly (readonly string[])[];
}

export interface Candidate {
  value: string;
  description?: string;
}

export interface Completion {
  candidates: Candidate[];
  directive: number;
}

interface FlagInfo {
  names: string[];
  description: string;
  takesValue: boolean;
  /** Values listed in the description as `a|b|c`. */
  values: string[];
  /** The value names a file or directory. */
  files: boolean;
}

interface CommandInfo {
  path: string[];
  description: string;
  flags: FlagInfo[];
  positionals: readonly (readonly string[])[];
}

export function commandTable(cli: Cli, classes: readonly CommandClass[]): CommandInfo[] {
  return commandInfos(cli).map((c) => {
    const cls = classes.find((k) => k.paths?.some((p) => p.join(' ') === c.path.join(' ')));
    const hints = (cls as { completions?: CompletionHints } | undefined)?.completions;
    return {
      path: c.path,
      description: c.description,
      flags: c.options.map(flagInfo),
      positionals: hints?.positionals ?? [],
    };
  });
}

function flagInfo(option: { names: string[]; takesValue: boolean; description: string }): FlagInfo {
  const { description } = option;
  return {
    names: option.names,
    description,
    takesValue: option.takesValue,
    values: /(?:^|[\s(:])([\w.-]+(?:\|[\w.-]+)+)(?=$|[\s):,;])/.exec(description)?.[1]?.split('|') ?? [],
    files: /\b(file|directory|path)\b/i.test(description),
  };
}

/** `words` are the arguments after `kubectl graphdata`; the last is the word being typed (maybe ""). */
export function complete(words: readonly string[], table: readonly CommandInfo[]): Completion {
  const typed = words.length ? words[words.length - 1]! : '';
  const before = words.slice(0, -1);
  const command = [...table]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((w, i) => before[i] === w));
  if (!command) {
    if (before.length === 0 && typed.startsWith('-'))
      return done(
        [
          { value: '--help', description: 'List the commands' },
          { value: '--version', description: "Print the plugin's version" },
        ],
        typed,
      );
    return nextPathWord(before, typed, table);
  }
  const rest = before.slice(command.path.length);
  const flagNamed = (name: string) => command.flags.find((f) => f.names.includes(name));

  const previous = rest[rest.length - 1];
  const pendingFlag = previous?.startsWith('-') && !previous.includes('=') ? flagNamed(previous) : undefined;
  if (pendingFlag?.takesValue) return flagValues(pendingFlag, typed, '');
  if (typed.startsWith('-')) {
    const eq = typed.indexOf('=');
    const flag = eq > 0 ? flagNamed(typed.slice(0, eq)) : undefined;
    if (flag?.takesValue) return flagValues(flag, typed.slice(eq + 1), typed.slice(0, eq + 1));
    const names = command.flags.flatMap((f) => f.names.map((value) => ({ value, description: f.description })));
    return done([...names, { value: '--help', description: 'Show help and examples' }], typed);
  }
  const position = positionalIndex(rest, flagNamed);
  const values = command.positionals[position] ?? [];
  return done(
    values.map((value) => ({ value })),
    typed,
  );
}

/** Words that are neither flags nor flag values, counted to know which positional is typed. */
function positionalIndex(rest: readonly string[], flagNamed: (name: string) => FlagInfo | undefined): number {
  let count = 0;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i]!;
    if (!word.startsWith('-')) count++;
    else if (!word.includes('=') && flagNamed(word)?.takesValue) i++;
  }
  return count;
}

function nextPathWord(before: readonly string[], typed: string, table: readonly CommandInfo[]): Completion {
  // A command's word carries its description; a group's (`scaffold`) the words that follow it.
  const seen = new Map<string, { description?: string; next: string[] }>();
  for (const c of table) {
    if (c.path.length <= before.length || !before.every((w, i) => c.path[i] === w)) continue;
    const word = c.path[before.length]!;
    const entry = seen.get(word) ?? { next: [] };
    if (c.path.length === before.length + 1) entry.description = c.description;
    else entry.next.push(c.path[before.length + 1]!);
    seen.set(word, entry);
  }
  return done(
    [...seen].map(([value, { description, next }]) => {
      const text = description ?? next.join(', ');
      return { value, ...(text ? { description: text } : {}) };
    }),
    typed,
  );
}

function flagValues(flag: FlagInfo, typed: string, prefix: string): Completion {
  if (flag.values.length)
    return done(
      flag.values.map((v) => ({ value: `${prefix}${v}` })),
      `${prefix}${typed}`,
    );
  // No known values: let the shell complete file names where the value is a path.
  return { candidates: [], directive: flag.files ? Directive.Default : Directive.NoFileComp };
}

function done(candidates: Candidate[], typed: string): Completion {
  return { candidates: candidates.filter((c) => c.value.startsWith(typed)), directive: Directive.NoFileComp };
}

/** cobra's wire format: `value[\tdescription]` lines, then `:<directive>`. */
export function formatCompletion({ candidates, directive }: Completion): string {
  const lines = candidates.map((c) => (c.description ? `${c.value}\t${c.description.replace(/\s+/g, ' ')}` : c.value));
  return `${[...lines, `:${directive}`].join('\n')}\n`;
}
