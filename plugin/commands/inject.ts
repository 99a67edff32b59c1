import { Command, Option } from 'clipanion';
import { GraphdataCommand, UserError, outputOption } from '../base.js';
import { namespaceLabelsOption, parseNamespaceLabels } from '../namespace-labels.js';

export class InjectCommand extends GraphdataCommand {
  static override paths = [['inject']];
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Show what the webhook would inject, without a cluster',
    details: `
      Runs the same engine as the admission webhook over Pods, pod templates
      (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) and Lists, and
      prints the manifests with the injection applied. Other documents pass through
      unchanged. Warnings (conflicts, missing target containers) go to stderr with
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
    description: 'Print a unified diff of what would change instead of the manifests (of their -o form)',
  });

  async run(): Promise<number> {
    const [{ readInputs }, { loadPolicyForCli }, { injectSources }] = await Promise.all([
      import('../input.js'),
      import('../policy-option.js'),
      import('../inject-sources.js'),
    ]);
    const inputs = await readInputs(this.files, this.context.stdin);
    const policy = await loadPolicyForCli(this.policy);
    const labels = parseNamespaceLabels(this.namespaceLabels);
    const result = injectSources(inputs, policy, this.namespace ?? 'default', labels);
    if (result.diagnostics.length) await this.printDiagnostics(result.diagnostics);
    if (result.diagnostics.some((d) => d.severity === 'error'))
      throw new UserError('some input could not be read', 'fix the errors above; nothing was injected');

    if (this.diff) {
      const { unifiedDiff } = await import('../diff.js');
      for (const file of result.files) {
        const patch = await unifiedDiff(file.file, file.before, file.after, this.output);
        if (patch) this.context.stdout.write(patch);
        else this.context.stderr.write(`${nothingChanged(file.file, result.sites)}\n`);
      }
      return 0;
    }
    const { manifestJson, manifestYaml } = await import('../manifests.js');
    const objects = result.files.flatMap((f) => f.after);
    if (this.output === 'json') {
      this.context.stdout.write(manifestJson(objects));
      return 0;
    }
    // Document by document, in writes of about a megabyte: a 10,000-pod input never
    // becomes one giant string.
    let chunk = '';
    objects.forEach((o, i) => {
      chunk += `${i ? '---\n' : ''}${manifestYaml(o)}`;
      if (chunk.length > 1 << 20) {
        this.context.stdout.write(chunk);
        chunk = '';
      }
    });
    if (chunk) this.context.stdout.write(chunk);
    return 0;
  }
}

/** Why `--diff` printed nothing for a file, so an empty diff is never a silent one. */
function nothingChanged(file: string, sites: readonly { file: string; result: { status: string } }[]): string {
  const here = sites.filter((s) => s.file === file);
  if (here.length === 0) return `no pods or pod templates in ${file}; nothing to inject`;
  const counts = new Map<string, number>();
  for (const s of here) counts.set(s.result.status, (counts.get(s.result.status) ?? 0) + 1);
  const why = [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
  return `${file}: nothing would change (${here.length} pod${here.length === 1 ? '' : 's'} or templates: ${why})`;
}
