import { Command, Option } from 'clipanion';
import { GraphdataCommand, dryRunMode, dryRunOption, namespaceOption } from '../cli/base.js';

export class EnableCommand extends GraphdataCommand {
  static override paths = [['enable']];
  override namespace = namespaceOption('Namespace to opt in (required)');
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Opt a namespace in to injection and enforcement',
    details: `
      Adds the label \`graphdata.io/inject=enabled\` to the namespace: pods created there from now on are injected and checked. Pods that already run are not changed. Running it twice changes nothing.

      With \`--pod-level\` it changes nothing and says whether pods of the namespace may opt in by their own label \`graphdata.io/inject=enabled\` (pod-level opt-in, for KubeVela Applications and others that cannot label a namespace): the ClusterGraphDataPolicy's \`spec.podOptIn.namespaceSelector\` decides; exit code 1 where it does not allow it.
    `,
    examples: [
      ['Enable the analytics namespace', '$0 enable -n analytics'],
      ['Show what would change', '$0 enable -n analytics --dry-run=server'],
      ['May pods in team-a opt in by their own label?', '$0 enable -n team-a --pod-level'],
    ],
  });

  dryRun = dryRunOption();
  podLevel = Option.Boolean('--pod-level', false, {
    description: 'Change nothing; say whether pods of the namespace may opt in by their own label',
  });
  webhookNamespace = Option.String('--webhook-namespace', {
    description: 'Namespace the webhook runs in (never served; default graphdata-system)',
  });

  async run(): Promise<number> {
    if (this.podLevel) {
      const [{ checkPodLevelOptIn }, { DEFAULT_NAMESPACE }] = await Promise.all([
        import('./pod-level-check.js'),
        import('../../common/cluster-names.js'),
      ]);
      this.context.stdout.write(`${await checkPodLevelOptIn(this, this.webhookNamespace ?? DEFAULT_NAMESPACE)}\n`);
      return 0;
    }
    const dryRun = dryRunMode(this.dryRun);
    const { setInjectLabel } = await import('../kube/inject-label.js');
    const message = await setInjectLabel(this, true, dryRun);
    this.context.stdout.write(`${message}\n`);
    return 0;
  }
}
