import { Command } from 'clipanion';
import { GraphdataCommand, dryRunMode, dryRunOption, namespaceOption } from '../cli/base.js';

export class DisableCommand extends GraphdataCommand {
  static override paths = [['disable']];
  override namespace = namespaceOption('Namespace to opt out (required)');
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Opt a namespace out of injection and enforcement',
    details: `
      Removes the label \`graphdata.io/inject\` from the namespace: pods created there from now on are left alone. Pods that already run keep what was injected. Running it twice changes nothing.
    `,
    examples: [
      ['Disable the analytics namespace', '$0 disable -n analytics'],
      ['Show what would change', '$0 disable -n analytics --dry-run=server'],
    ],
  });

  dryRun = dryRunOption();

  async run(): Promise<number> {
    const dryRun = dryRunMode(this.dryRun);
    const { setInjectLabel } = await import('../kube/inject-label.js');
    const message = await setInjectLabel(this, false, dryRun);
    this.context.stdout.write(`${message}\n`);
    return 0;
  }
}
