// The base of every command: kubectl's flags where they mean something, and errors
// as values (message + hint) rather than stack traces.
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import type { Diagnostic } from '../policies/diagnostics.js';
import { formatDiagnostics, painter, type OutputFormat } from './output.js';

/** A failure the user can fix: printed as `error: …` plus a hint, exit code 1. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export abstract class GraphdataCommand extends Command {
  kubeconfig = Option.String('--kubeconfig', {
    description: 'Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
  });
  kubeContext = Option.String('--context', { description: 'Name of the kubeconfig context to use' });
  namespace = Option.String('-n,--namespace', { description: 'Namespace (default: the context namespace)' });

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

export const outputOption = <F extends OutputFormat>(
  formats: readonly F[],
  description = `Output format: ${formats.join('|')}`,
) =>
  Option.String('-o,--output', formats[0]!, {
    description,
    validator: t.isEnum(formats) as t.StrictValidator<unknown, F>,
  });

export const dryRunOption = () =>
  Option.String('--dry-run', 'none', {
    description: 'none|client|server: print (client) or ask the apiserver to check (server) instead of applying',
    tolerateBoolean: true,
  });
