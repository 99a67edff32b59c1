// Help and usage errors, kubectl-style, built from the registered command classes
// (clipanion's definitions): a new command class shows up in the top-level list, in
// its group's list, in "did you mean" and in its own --help without touching this file.
import type { Cli, Definition } from 'clipanion';
import { closest } from '../../policies/suggest.js';

export const BINARY = 'kubectl graphdata';

export interface OptionInfo {
  names: string[];
  takesValue: boolean;
  description: string;
  required: boolean;
}

export interface CommandInfo {
  /** Words after the binary, e.g. ['scaffold', 'spark']. */
  path: string[];
  category: string;
  description: string;
  details: string;
  examples: [string, string][];
  options: OptionInfo[];
  /** Positionals as clipanion's usage line shows them: `<NAME>` required, `[NAME]` optional. */
  positionals: { name: string; required: boolean }[];
}

export function commandInfos(cli: Cli): CommandInfo[] {
  return cli.definitions().map((d: Definition) => {
    const path = d.path.slice(cli.binaryName.length).trim().split(/\s+/).filter(Boolean);
    // The usage line after the path holds inline options `[--x #0]` and positionals `<A>`/`[A]`/`...`.
    const rest = d.usage.slice(d.path.length).replace(/[[<]-[^\]>]*[\]>]/g, '');
    const positionals = [...rest.matchAll(/([<[])([^\]>]+)[\]>]/g)].map((m) => ({
      name: m[2]!,
      required: m[1] === '<',
    }));
    return {
      path,
      category: d.category?.trim() || 'Other',
      description: d.description?.trim() ?? '',
      details: (d.details ?? '').replace(/[ \t]+$/gm, '').trim(),
      examples: (d.examples ?? []).map(([label, line]) => [label.trim(), line.trim()] as [string, string]),
      options: d.options.map((o) => {
        const [names = '', arity] = o.definition.split(/\s+/);
        return {
          names: names.split(','),
          takesValue: Boolean(arity?.startsWith('#')),
          description: o.description ?? '',
          required: Boolean(o.required),
        };
      }),
      positionals,
    };
  });
}

const startsWith = (path: readonly string[], prefix: readonly string[]): boolean =>
  prefix.every((w, i) => path[i] === w);

/** The words before the first flag: the command path the user typed, maybe with positionals. */
export const leadingWords = (argv: readonly string[]): string[] => {
  const end = argv.findIndex((a) => a.startsWith('-'));
  return [...(end < 0 ? argv : argv.slice(0, end))];
};

/** The command whose path is the longest prefix of `words`. */
export function matchCommand(infos: readonly CommandInfo[], words: readonly string[]): CommandInfo | undefined {
  return [...infos]
    .filter((c) => c.path.length <= words.length && startsWith(words, c.path))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

/** The longest prefix of `words` that several commands share (`scaffold`), when no command matches. */
export function matchGroup(infos: readonly CommandInfo[], words: readonly string[]): string[] | undefined {
  for (let n = words.length; n > 0; n--) {
    const prefix = words.slice(0, n);
    if (infos.some((c) => c.path.length > n && startsWith(c.path, prefix))) return prefix;
  }
  return undefined;
}

const columnWidth = (rows: readonly [string, string][]): number =>
  Math.min(Math.max(0, ...rows.map(([a]) => a.length)) + 3, 40);

const pad = (rows: [string, string][], width = columnWidth(rows)): string =>
  rows
    .map(([a, b]) => `  ${a.length >= width ? `${a}\n  ${''.padEnd(width)}` : a.padEnd(width)}${b}`.trimEnd())
    .join('\n');

/** One line per command, grouped by category in registration order. */
function commandList(infos: readonly CommandInfo[]): string {
  const categories = [...new Set(infos.map((c) => c.category))];
  const row = (c: CommandInfo): [string, string] => [c.path.join(' '), c.description];
  const width = columnWidth(infos.map(row));
  return categories
    .map((cat) => `${cat} commands:\n${pad(infos.filter((c) => c.category === cat).map(row), width)}`)
    .join('\n\n');
}

export function topLevelHelp(infos: readonly CommandInfo[], version: string): string {
  return `${BINARY} ${version}: Alluxio/Fluid data-cache wiring for Spark, StarRocks CN and GraphScope pods

${commandList(infos)}

Usage:
  ${BINARY} <command> [flags]

Use "${BINARY} <command> --help" for a command's flags and examples.
Use "${BINARY} --version" for the plugin's version.
`;
}

/** What the word after a group names: `scaffold <kind>`, otherwise `<command>`. */
const subject = (group: readonly string[]): string => (group.join(' ') === 'scaffold' ? 'kind' : 'command');

export function groupHelp(infos: readonly CommandInfo[], group: readonly string[]): string {
  const members = infos.filter((c) => startsWith(c.path, group));
  const name = group.join(' ');
  return `${commandList(members)}

Usage:
  ${BINARY} ${name} <${subject(group)}> [flags]

Use "${BINARY} ${name} <${subject(group)}> --help" for its flags and examples.
`;
}

/** `--image IMAGE`, `-o, --output yaml|json`, `    --no-webhook` (long-only flags indented under long ones). */
function optionLabel(o: OptionInfo): string {
  const names = o.names.join(', ');
  const indent = o.names[0]!.startsWith('--') ? '    ' : '';
  if (!o.takesValue) return `${indent}${names}`;
  const values = /(?:^|[\s(:])([\w.-]+(?:\|[\w.-]+)+)(?=$|[\s):,;])/.exec(o.description)?.[1];
  const long = o.names.find((n) => n.startsWith('--'))?.slice(2) ?? 'value';
  const words = long.split('-');
  const last = words[words.length - 1]!;
  const metavar = values ?? (last.length > 2 ? last : long).toUpperCase().replace(/-/g, '_');
  return `${indent}${names} ${metavar}`;
}

/** `-f FILENAME` rather than `-f, --filename FILENAME`, for usage lines and messages. */
const shortLabel = (o: OptionInfo): string =>
  optionLabel(o)
    .trim()
    .replace(/^(-\w), --\S+/, '$1');

export function usageLine(c: CommandInfo): string {
  const required = c.options.filter((o) => o.required).map(shortLabel);
  const positionals = c.positionals.map((p) => (p.required ? p.name : `[${p.name}]`));
  const flags = c.options.length > required.length ? ['[flags]'] : [];
  return [BINARY, ...c.path, ...required, ...positionals, ...flags].join(' ');
}

export function commandHelp(c: CommandInfo): string {
  const sections = [c.description];
  if (c.details) sections.push(c.details);
  if (c.examples.length)
    sections.push(`Examples:\n${c.examples.map(([label, line]) => `  # ${label}\n  ${line}`).join('\n\n')}`);
  const rows: [string, string][] = c.options.map((o) => [
    optionLabel(o),
    `${o.description}${o.required && !/required/.test(o.description) ? ' (required)' : ''}`,
  ]);
  rows.push(['-h, --help', 'Show this help']);
  sections.push(`Flags:\n${pad(rows)}`);
  sections.push(`Usage:\n  ${usageLine(c)}`);
  return `${sections.join('\n\n')}\n`;
}

export interface UsageProblem {
  message: string;
  hint: string;
}

/** Turns clipanion's parse error into what is wrong and what to type. */
export function usageProblem(infos: readonly CommandInfo[], argv: readonly string[], error: Error): UsageProblem {
  const words = leadingWords(argv);
  const command = matchCommand(infos, words);
  if (!command) return unknownCommand(infos, words, argv);

  const name = command.path.join(' ');
  const example = command.examples[0]?.[1];
  const seeHelp = `run \`${BINARY} ${name} --help\` for its flags and examples`;
  const hint = example ? `e.g. ${example}; ${seeHelp}` : seeHelp;
  const text = error.message;

  const option = /Unsupported option name \("(--?[^"]+)"\)/.exec(text)?.[1];
  if (option) {
    const own = command.options.flatMap((o) => o.names);
    const prefixed = own.filter((n) => n.startsWith(option));
    const guess = prefixed.length === 1 ? prefixed[0] : closest(option, [...own, '--help']);
    const elsewhere = infos
      .filter((c) => c !== command && c.options.some((o) => o.names.includes(option)))
      .map((c) => c.path.join(' '));
    const where = elsewhere.length ? ` (it is a flag of ${elsewhere.slice(0, 3).join(', ')})` : '';
    return { message: `${name} has no flag ${option}${guess ? ` — did you mean ${guess}?` : where}`, hint: seeHelp };
  }
  const invalid =
    /Invalid value for (\S+?):? (.*)/s.exec(text) ?? /Invalid option validation for "([^"]+)"(.*)/s.exec(text);
  if (invalid) {
    const flag = invalid[1]!;
    const value = flagValue(argv, flag);
    const reason = invalid[2]!.replace(/^\s*[:-]?\s*/, '').split('\n')[0]!;
    return {
      message: `${flag}${value !== undefined ? ` ${JSON.stringify(value)}` : ''}: ${reason || 'invalid value'}`,
      hint: seeHelp,
    };
  }
  const needsValue = /Not enough arguments to option (\S+?)\.?$/m.exec(text)?.[1];
  if (needsValue) return { message: `${needsValue} needs a value`, hint };
  const takes = command.positionals.map((p) => p.name);
  const takesText = takes.length ? takes.join(' ') : 'no arguments';
  const extra = /Extraneous positional argument \("([^"]*)"\)/.exec(text)?.[1];
  if (extra !== undefined) return { message: `${name} takes ${takesText}; "${extra}" is one too many`, hint };

  const given = new Set(argv.flatMap((a) => [a, a.split('=')[0]!]));
  const missingOption = command.options.find((o) => o.required && !o.names.some((n) => given.has(n)));
  if (missingOption) {
    const what = missingOption.description ? ` (${lowerFirst(missingOption.description)})` : '';
    return { message: `${name} needs ${shortLabel(missingOption)}${what}`, hint };
  }
  const positionals = words.length - command.path.length;
  if (positionals > command.positionals.length && !takes.includes('...')) {
    const stray = words[command.path.length + command.positionals.length]!;
    return { message: `${name} takes ${takesText}; "${stray}" is one too many`, hint };
  }
  const missing = command.positionals.filter((p) => p.required).slice(positionals)[0];
  if (missing) return { message: `${name} needs ${missing.name}`, hint };
  const first = text.split('\n').find((l) => l.trim()) ?? text;
  return { message: first.replace(/^(Usage Error|Unknown Syntax Error): /, ''), hint };
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

function flagValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1);
  }
  return undefined;
}

/** `scaffold` alone, `scaffold sprak`, `injct`, `--bogus`: name what exists. */
function unknownCommand(
  infos: readonly CommandInfo[],
  words: readonly string[],
  argv: readonly string[],
): UsageProblem {
  const listHint = `run \`${BINARY} --help\` for the list of commands`;
  const group = matchGroup(infos, words);
  if (!group) {
    const typed = words[0];
    if (!typed)
      return {
        message: `unknown flag ${argv[0]}: a command comes first`,
        hint: `e.g. ${BINARY} validate -f FILE; ${listHint}`,
      };
    const guess = closest(typed, [...new Set(infos.map((c) => c.path[0]!))]);
    return { message: `unknown command "${typed}"${guess ? ` — did you mean "${guess}"?` : ''}`, hint: listHint };
  }
  const members = infos.filter((c) => startsWith(c.path, group));
  const next = [...new Set(members.map((c) => c.path[group.length]!))];
  const name = group.join(' ');
  const example = members[0]?.examples[0]?.[1];
  const typed = words[group.length];
  if (typed === undefined)
    return {
      message: `${name} needs a ${subject(group)}: ${next.join(', ')}`,
      hint: `${example ? `e.g. ${example}; ` : ''}run \`${BINARY} ${name} --help\` to see what each one writes`,
    };
  const guess = closest(typed, next);
  return {
    message: `unknown ${name} ${subject(group)} "${typed}"${guess ? ` — did you mean "${guess}"?` : ''}`,
    hint: `${name} ${subject(group)}s: ${next.join(', ')}`,
  };
}
