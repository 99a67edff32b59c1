// The base of every command: errors as values (message + hint) rather than stack
// traces, and kubectl's shared flags, each defined once here for every command to reuse.
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { DEFAULT_NAMESPACE } from '../../common/cluster-names.js';
import type { Diagnostic } from '../../policies/diagnostics.js';
import { formatDiagnostics, painter, type OutputFormat } from '../output/format.js';

/** A failure the user can fix: printed as `error: …` plus a hint, exit code 1 (2 for usage mistakes). */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A usage mistake: exit code 2. */
export const usageError = (message: string, hint?: string): UserError => new UserError(message, hint, 2);

/** Commands that never talk to a cluster extend this; others extend GraphdataCommand. */
export abstract class BaseCommand extends Command {
  /** Commands implement this; thrown UserErrors become `error:`/`hint:` lines. */
  abstract run(): Promise<number>;

  async execute(): Promise<number> {
    try {
      return await this.run();
    } catch (error) {
      if (error instanceof UserError) {
        this.printError(error.message, error.hint);
        return error.exitCode;
      }
      throw error;
    }
  }

  protected printError(message: string, hint?: string): void {
    const paint = painter(this.context.stderr);
    this.context.stderr.write(
      `${paint('red', 'error:')} ${message}\n${hint ? `  ${paint('dim', 'hint:')} ${hint}\n` : ''}`,
    );
  }

  protected async printDiagnostics(diagnostics: readonly Diagnostic[], format: OutputFormat = 'table'): Promise<void> {
    const stream = format === 'table' ? this.context.stderr : this.context.stdout;
    stream.write(await formatDiagnostics(diagnostics, format, painter(stream)));
  }
}

// --- kubectl's flags, as kubectl spells them ---

export const kubeconfigOption = () =>
  Option.String('--kubeconfig', {
    description: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
  });

export const contextOption = () => Option.String('--context', { description: 'Name of the kubeconfig context to use' });

export const namespaceOption = (description = 'Namespace (default: the context namespace)') =>
  Option.String('-n,--namespace', { description });

/**
 * Where the webhook's own objects live (graphdata-system unless told). Its own flag: `-n`
 * means, as in kubectl, the namespace a command acts on (`enable -n`, `audit -n`), and
 * `install -n`, `status -n`… meant this one, so a reader could not tell which was meant.
 */
export const webhookNamespaceOption = () =>
  Option.String('--webhook-namespace', {
    description: `Namespace of the webhook's own objects (default: ${DEFAULT_NAMESPACE})`,
  });

/** `-o FORMAT`; the description lists the formats as `a|b|c`, which shell completion offers. */
export const outputOption = <F extends OutputFormat>(
  formats: readonly F[],
  description = `Output format: ${formats.join('|')}`,
) =>
  Option.String('-o,--output', formats[0]!, {
    description,
    validator: t.isEnum(formats) as t.StrictValidator<unknown, F>,
  });

export const DRY_RUN_MODES = ['none', 'client', 'server'] as const;
/** kubectl's --dry-run mode, as the plugin takes it (an AdmissionReview's `dryRun`, which the webhook reads, is a boolean). */
export type DryRunMode = (typeof DRY_RUN_MODES)[number];

/** kubectl's `--dry-run=none|client|server`; a bare `--dry-run` means client, as it did in kubectl. */
export const dryRunOption = () =>
  Option.String('--dry-run', 'none', {
    description: 'none|client|server: print what would be sent (client) or have the apiserver check it (server)',
    tolerateBoolean: true,
    validator: t.cascade(t.isOneOf([t.isLiteral(true), t.isEnum(DRY_RUN_MODES)]), []) as t.StrictValidator<
      unknown,
      DryRunMode | true
    >,
  });

/** The mode a `dryRunOption()` value stands for. */
export const dryRunMode = (value: DryRunMode | boolean): DryRunMode =>
  value === true ? 'client' : value === false ? 'none' : value;

/** Commands that may talk to a cluster: `--kubeconfig`, `--context` and `-n` as kubectl takes them. */
export abstract class GraphdataCommand extends BaseCommand {
  kubeconfig = kubeconfigOption();
  kubeContext = contextOption();
  namespace = namespaceOption();
}

/**
 * Commands about the webhook's own objects (install, uninstall, status, doctor, certs): its
 * namespace is `--webhook-namespace`. They act on no other namespace, so `-n` (what these
 * commands took for it before) is refused with the flag to use instead.
 */
export abstract class WebhookCommand extends GraphdataCommand {
  override namespace = Option.String('-n,--namespace', { hidden: true });
  webhookNamespace = webhookNamespaceOption();

  override async execute(): Promise<number> {
    if (this.namespace !== undefined) {
      // Refused before anything runs: the command would act on the default namespace instead.
      const command = `kubectl graphdata ${this.path.join(' ')}`;
      this.printError(
        `${command} takes the webhook's namespace as --webhook-namespace, not -n: -n names the namespace a command acts on, as in kubectl (enable -n, audit -n)`,
        `${command} --webhook-namespace ${this.namespace}`,
      );
      return 2;
    }
    return super.execute();
  }

  /** `--webhook-namespace`, else graphdata-system. */
  protected webhookNamespaceOrDefault(): string {
    return this.webhookNamespace ?? DEFAULT_NAMESPACE;
  }
}
