import { Command } from 'clipanion';
import { GraphdataCommand, UserError, dryRunOption } from '../base.js';

export class DisableCommand extends GraphdataCommand {
  static override paths = [['disable']];
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
    const dryRun = this.dryRun === true ? 'client' : this.dryRun;
    if (!['none', 'client', 'server'].includes(String(dryRun))) {
      throw new UserError(`--dry-run must be none, client or server, got ${String(dryRun)}`, undefined, 2);
    }
    const { setInjectLabel } = await import('../cluster/namespace-label.js');
    const message = await setInjectLabel(this, false, dryRun as 'none' | 'client' | 'server');
    this.context.stdout.write(`${message}\n`);
    return 0;
  }
}
