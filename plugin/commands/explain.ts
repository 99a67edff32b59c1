import { Command, Option } from 'clipanion';
import { BUILT_IN_POLICY } from '../../common/names.js';
import { GraphdataCommand, UserError, outputOption, namespaceOption } from '../base.js';
import { namespaceLabelsOption, parseNamespaceLabels } from '../namespace-labels.js';

export class ExplainCommand extends GraphdataCommand {
  static override paths = [['explain']];
  override namespace = namespaceOption(
    'Namespace of pod/NAME (default: the context namespace), or of -f objects that name none (default: default)',
  );
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Explain why a pod was, or would be, injected or not',
    details: `
      Shows the workload the pod matched (and by which labels), the containers
      targeted, the policy and profile, and what each mutator did or skipped and why.

      With -f, explains the pods and pod templates in the files, as the webhook would
      see them at creation (--namespace-labels gives the namespace's labels, e.g. its
      PodSecurity level). With pod/NAME, reads the live pod and its namespace: the
      \`graphdata.io/injected\` record is checked piece by piece against the pod
      (in place, missing, conflict), never believed.
    `,
    examples: [
      ['Explain a manifest', '$0 explain -f executor.yaml'],
      ['Explain a running pod', '$0 explain pod/wordcount-exec-1 -n tenant-a'],
      ['Machine-readable', '$0 explain -f cn.yaml -o json'],
    ],
  });

  target = Option.String({ required: false, name: 'pod/NAME' });
  files = Option.Array('-f,--filename', { description: 'File, directory or - with manifests' });
  policy = Option.String('--policy', { description: 'Policy file (default: the built-in policy)' });
  namespaceLabels = namespaceLabelsOption();
  output = outputOption(['table', 'json', 'yaml']);

  async run(): Promise<number> {
    if (Boolean(this.files?.length) === Boolean(this.target)) {
      throw new UserError(
        'give either -f FILE or pod/NAME',
        'e.g. `kubectl graphdata explain -f pod.yaml` or `kubectl graphdata explain pod/NAME -n NS`',
        2,
      );
    }
    const [{ loadPolicyForCli }, explain] = await Promise.all([
      import('../policy-option.js'),
      import('../explanation.js'),
    ]);
    const policy = await loadPolicyForCli(this.policy);
    const explanations = this.target
      ? [await explain.explainLivePod(this.target, policy, this)]
      : await explain.explainFiles(
          await (await import('../input.js')).readInputs(this.files ?? [], this.context.stdin),
          policy,
          this.namespace ?? 'default',
          parseNamespaceLabels(this.namespaceLabels),
        );
    // Named as status and version name it; the annotation keeps the plain reference.
    if (!this.policy) for (const e of explanations) e.policy = BUILT_IN_POLICY;
    if (explanations.length === 0)
      throw new UserError(
        'no Pods or pod templates found in the input',
        'explain takes Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Lists',
      );
    if (this.output === 'table') {
      const { painter } = await import('../output.js');
      this.context.stdout.write(
        explanations.map((e) => explain.renderExplanation(e, painter(this.context.stdout))).join('\n'),
      );
    } else {
      const { formatObjects } = await import('../output.js');
      this.context.stdout.write(
        await formatObjects(explanations.length === 1 ? explanations : [{ explanations }], this.output),
      );
    }
    return 0;
  }
}
