import { Command } from 'clipanion';
import { GraphdataCommand, dryRunMode, dryRunOption, namespaceOption } from '../cli/base.js';

export class EnableCommand extends GraphdataCommand {
  static override paths = [['enable']];
  override namespace = namespaceOption('Namespace to opt in (required)');
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Opt a namespace in to injection and enforcement',
    details: `
      Adds the label \`graphdata.io/inject=enabled\` to the namespace: pods created there from now on are injected and checked. Pods that already run are not changed. Running it twice changes nothing.
    `,
    examples: [
      ['Enable the analytics namespace', '$0 enable -n analytics'],
      ['Show what would change', '$0 enable -n analytics --dry-run=server'],
    ],
  });

  dryRun = dryRunOption();

  async run(): Promise<number> {
    const dryRun = dryRunMode(this.dryRun);
    const { setInjectLabel } = await import('../kube/inject-label.js');
    const message = await setInjectLabel(this, true, dryRun);
    this.context.stdout.write(`${message}\n`);
    return 0;
  }
}
