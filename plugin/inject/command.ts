import { Command, Option } from 'clipanion';
import type { Diagnostic } from '../../policies/diagnostics.js';
import { GraphdataCommand, UserError, outputOption, namespaceOption } from '../cli/base.js';
import { namespaceLabelsOption, parseNamespaceLabels } from '../cli/namespace-labels-option.js';

export class InjectCommand extends GraphdataCommand {
  static override paths = [['inject']];
  override namespace = namespaceOption('Namespace of objects that name none (default: default)');
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Show what the webhook would inject, without a cluster',
    details: `
      Runs the same engine as the admission webhook over Pods, pod templates
      (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
      CronJob) and Lists, and prints the manifests with the injection applied. Other
      documents pass through unchanged. Warnings (conflicts, missing target containers) go to stderr with
      file and line.

      Injected templates carry the \`graphdata.io/injected\` record of what was
      done. The webhook does not trust it: it checks each piece and, finding
      everything in place, leaves the pods they create as they are.
    `,
    examples: [
      ['Inject a Spark executor pod and print YAML', '$0 inject -f executor.yaml'],
      ['Preview the change as a unified diff', '$0 inject -f statefulset.yaml --diff'],
      ['Use a policy file instead of the built-in default', '$0 inject -f pod.yaml --policy my-policy.yaml -o json'],
      [
        'As the webhook would in a namespace enforcing PodSecurity restricted',
        '$0 inject -f executor.yaml --namespace-labels pod-security.kubernetes.io/enforce=restricted',
      ],
      ['Pipe from kubectl', 'kubectl get pod spark-exec-1 -o yaml | $0 inject -f -'],
    ],
  });

  files = Option.Array('-f,--filename', { required: true, description: 'File, directory or - (stdin) with manifests' });
  policy = Option.String('--policy', { description: 'Policy file (default: the built-in policy)' });
  namespaceLabels = namespaceLabelsOption();
  output = outputOption(['yaml', 'json']);
  diff = Option.Boolean('--diff', false, {
    description:
      'Print a unified diff of what would change instead of the manifests (of their -o form); exit 0: no change, 1: changes, 2: failed (as kubectl diff)',
  });

  async run(): Promise<number> {
    const [{ readInputs }, { loadPolicyForCli }, { injectDocuments, fluidRuntimes }, manifests, diffing] =
      await Promise.all([
        import('../documents/input.js'),
        import('../cli/policy-option.js'),
        import('../documents/inject.js'),
        import('../output/manifests.js'),
        this.diff ? import('./diff.js') : undefined,
      ]);
    const inputs = await readInputs(this.files, this.context.stdin);
    const policy = await loadPolicyForCli(this.policy);
    const labels = parseNamespaceLabels(this.namespaceLabels);
    const format = this.output;
    const runtimes = fluidRuntimes(inputs, policy, this.namespace ?? 'default');
    // Each document is parsed, injected and formatted, then let go: what is kept is text
    // (the output, or with --diff only the hunks), never the objects of the whole input.
    // It is printed once every document has been read, so a YAML error in the last
    // document still means that nothing is printed but the errors.
    const diagnostics: Diagnostic[] = [];
    const output = new Chunks();
    const all = new manifests.ManifestPieces(format);
    const diffs: { file: string; diff: import('./diff.js').FileDiff | undefined; statuses: Map<string, number> }[] = [];
    for (const input of inputs) {
      const diff = diffing && new diffing.FileDiff(format);
      const statuses = new Map<string, number>();
      for (const doc of injectDocuments(input, policy, this.namespace ?? 'default', labels, {
        inPlace: !diff,
        ...(runtimes ? { runtimes } : {}),
      })) {
        diagnostics.push(...doc.diagnostics);
        for (const s of doc.sites) statuses.set(s.result.status, (statuses.get(s.result.status) ?? 0) + 1);
        if (!doc.value) continue;
        if (diff) diff.add(doc.value.before, doc.value.after);
        else output.add(all.push(manifests.formatOne(doc.value.after, format)));
      }
      diffs.push({ file: input.file, diff, statuses });
    }
    if (diagnostics.length) await this.printDiagnostics(diagnostics);
    if (diagnostics.some((d) => d.severity === 'error'))
      // With --diff, as kubectl diff: 1 means "differences", so a failure is 2.
      throw new UserError(
        'some input could not be read',
        'fix the errors above; nothing was injected',
        diffing ? 2 : 1,
      );

    if (diffing) {
      let differs = false;
      for (const { file, diff, statuses } of diffs) {
        const patch = diff?.patch(file);
        if (patch) this.context.stdout.write(patch);
        else this.context.stderr.write(`${nothingChanged(file, statuses)}\n`);
        differs ||= Boolean(patch);
      }
      return differs ? 1 : 0;
    }
    output.add(all.end());
    for (const chunk of output.all) this.context.stdout.write(chunk);
    return 0;
  }
}

/**
 * Text gathered in writes of about a megabyte, each kept as bytes: a 10,000-pod output
 * never becomes one giant string, nor a heap of small ones for the collector to move.
 */
class Chunks {
  private readonly chunks: Buffer[] = [];
  private current = '';

  add(text: string): void {
    this.current += text;
    if (this.current.length > 1 << 20) {
      this.chunks.push(Buffer.from(this.current));
      this.current = '';
    }
  }

  get all(): Buffer[] {
    return this.current ? [...this.chunks, Buffer.from(this.current)] : this.chunks;
  }
}

/** Why `--diff` printed nothing for a file, so an empty diff is never a silent one. */
function nothingChanged(file: string, statuses: ReadonlyMap<string, number>): string {
  if (statuses.size === 0) return `no pods or pod templates in ${file}; nothing to inject`;
  const n = [...statuses.values()].reduce((a, b) => a + b, 0);
  const why = [...statuses].map(([status, count]) => `${count} ${status}`).join(', ');
  return `${file}: nothing would change (${n} pod${n === 1 ? '' : 's'} or templates: ${why})`;
}
