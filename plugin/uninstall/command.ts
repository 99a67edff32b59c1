import { Command, Option } from 'clipanion';
import { UserError, WebhookCommand, dryRunMode, dryRunOption } from '../cli/base.js';

export class UninstallCommand extends WebhookCommand {
  static override paths = [['uninstall']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Remove exactly what install created, webhook configurations first',
    details: `
      Deletes the webhook configurations first, so the apiserver never calls a webhook whose Service is gone, then everything else install applied, in reverse order. Only objects labelled \`app.kubernetes.io/managed-by=kubectl-graphdata\` are touched. The policy CRDs are kept while policies exist (deleting a CRD deletes its objects). Running it again is harmless.
    `,
    examples: [
      ['Remove graphdata', '$0 uninstall'],
      ['See what would be deleted', '$0 uninstall --dry-run=server'],
      ['Remove graphdata and every namespace opt-in label', '$0 uninstall --remove-labels'],
    ],
  });

  dryRun = dryRunOption();
  removeLabels = Option.Boolean('--remove-labels', false, {
    description: 'Also remove the graphdata.io/inject label from every opted-in namespace',
  });

  async run(): Promise<number> {
    const dryRun = dryRunMode(this.dryRun);
    const [{ loadKubeConfig }, { makeClients }, { uninstall }] = await Promise.all([
      import('../kube/kubeconfig.js'),
      import('../kube/clients.js'),
      import('./uninstall.js'),
    ]);
    const namespace = this.webhookNamespaceOrDefault();
    const { k8s, kc } = await loadKubeConfig(this);
    const c = makeClients(k8s, kc);
    if (dryRun === 'client') {
      const { installManifests } = await import('../webhook-objects/manifests.js');
      const objects = installManifests({
        namespace,
        caBundle: '',
        certs: { caCert: '', caKey: '', tlsCert: '', tlsKey: '' },
      });
      const hooks = objects.filter((o) => o.kind.endsWith('WebhookConfiguration'));
      const rest = objects.filter((o) => !o.kind.endsWith('WebhookConfiguration')).reverse();
      for (const o of [...hooks, ...rest])
        this.context.stdout.write(`would delete ${o.kind}/${o.metadata.name} (if install created it)\n`);
      return 0;
    }
    let steps;
    try {
      steps = await uninstall(c, { namespace }, dryRun === 'server');
    } catch (error) {
      throw new UserError(`uninstall failed: ${(error as Error).message}`, 'run it again: it resumes where it stopped');
    }
    for (const s of steps) {
      if (s.outcome === 'absent') continue;
      if (s.outcome === 'terminating') {
        this.context.stdout.write(`${s.what} is already being deleted\n`);
        continue;
      }
      const verb = s.outcome === 'deleted' ? (dryRun === 'server' ? 'would delete' : 'deleted') : 'kept';
      this.context.stdout.write(`${verb} ${s.what}${s.why ? ` — ${s.why}` : ''}\n`);
    }
    if (steps.every((s) => s.outcome === 'absent' || s.outcome === 'terminating'))
      this.context.stdout.write('nothing to remove: graphdata is not installed\n');
    await this.reportLabels(c, dryRun);
    return 0;
  }

  /** The opt-in labels outlive the webhook: say which namespaces carry one, or remove them. */
  private async reportLabels(c: import('../kube/clients.js').Clients, dryRun: 'none' | 'server'): Promise<void> {
    const { LABEL_INJECT } = await import('../../policies/model.js');
    const { apiErrorMessage } = await import('../kube/kubeconfig.js');
    const out = this.context.stdout;
    let names: string[];
    try {
      const list = await c.core.listNamespace({ labelSelector: LABEL_INJECT });
      names = list.items.map((n) => n.metadata?.name ?? '').filter(Boolean);
    } catch (error) {
      out.write(`could not list namespaces with the ${LABEL_INJECT} label: ${apiErrorMessage(error)}\n`);
      return;
    }
    if (names.length === 0) return;
    if (!this.removeLabels) {
      out.write(
        `left the ${LABEL_INJECT} label on ${names.length} namespace(s): ${names.join(', ')}; ` +
          'a later install injects there again (remove them with --remove-labels)\n',
      );
      return;
    }
    const path = `/metadata/labels/${LABEL_INJECT.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    for (const name of names) {
      try {
        await c.core.patchNamespace({
          name,
          body: [{ op: 'remove', path }],
          ...(dryRun === 'server' ? { dryRun: 'All' } : {}),
        });
        out.write(
          `${dryRun === 'server' ? 'would remove' : 'removed'} the ${LABEL_INJECT} label from namespace ${name}\n`,
        );
      } catch (error) {
        out.write(`could not remove the ${LABEL_INJECT} label from namespace ${name}: ${apiErrorMessage(error)}\n`);
      }
    }
  }
}
