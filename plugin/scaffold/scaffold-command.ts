// What every `scaffold <kind>` command shares: NAME, -n, -o, the name checks and the
// printing. Each kind is its own command class (<kind>/command.ts) with only its own
// flags, help and examples; its builder beside it (<kind>/manifests.ts) is loaded inside run().
import { Option } from 'clipanion';
import * as t from 'typanion';
import { nameProblem, suggestName, type NameFormat } from '../../policies/object-names.js';
import { BaseCommand, namespaceOption, outputOption, usageError } from '../cli/base.js';
import type { ScaffoldResult, ScaffoldTarget } from './types.js';

/** A positive whole number flag (`--executors 4`); anything else is a usage error from the parser. */
export const countOption = (flag: string, description: string) =>
  Option.String(flag, { description, validator: t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]) });

/** A comma-separated list flag (`--allowed-registries a,b`). */
export const splitList = (value: string | undefined): string[] | undefined =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export abstract class ScaffoldCommand extends BaseCommand {
  name = Option.String({ name: 'NAME' });
  namespace = namespaceOption('Namespace of the objects (default: default)');
  output = outputOption(['yaml', 'json']);

  /** The kind's objects and notes for NAME in the namespace. */
  protected abstract build(target: ScaffoldTarget): Promise<ScaffoldResult>;

  async run(): Promise<number> {
    // NAME also names the derived objects (`NAME-driver`, …) and appears in label values: a DNS label.
    const target = {
      name: checkName('NAME', this.name, 'dns1123-label'),
      namespace: checkName('-n', this.namespace ?? 'default', 'dns1123-label'),
    };
    const result = await this.build(target);
    const { formatObjects } = await import('../output/format.js');
    const body = await formatObjects(result.objects, this.output);
    const header = this.output === 'yaml' ? result.notes.map((n) => `# ${n}\n`).join('') : '';
    this.context.stdout.write(header + body);
    // Said on stderr too: -o json has no comments, and a redirected stdout is not read.
    for (const m of result.missing ?? []) this.context.stderr.write(`note: ${m.message}\n  hint: ${m.hint}\n`);
    return 0;
  }

  /** The policy file given with --policy, or the built-in one. */
  protected async loadPolicy(file: string | undefined) {
    const { loadPolicyForCli } = await import('../cli/policy-option.js');
    return loadPolicyForCli(file);
  }
}

function checkName(what: string, value: string, format: NameFormat): string {
  const problem = nameProblem(value, format);
  if (!problem) return value;
  const fixed = suggestName(value, format);
  const label = what === '-n' ? 'namespace' : 'name';
  throw usageError(
    `${label} ${JSON.stringify(value)} ${problem}`,
    `Kubernetes would reject it${fixed ? `; e.g. ${what === '-n' ? `-n ${fixed}` : fixed}` : ''} (at most 63 ` +
      `characters)`,
  );
}
