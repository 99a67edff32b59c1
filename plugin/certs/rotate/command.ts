import { Command, Option } from 'clipanion';
import { UserError, WebhookCommand } from '../../cli/base.js';

export class CertsRotateCommand extends WebhookCommand {
  static override paths = [['certs', 'rotate']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Renew the webhook certificates that are due (less than a third of their life left)',
    details: `
      Issues a new serving certificate when less than a third of its lifetime remains (or with \`--force\`), and a new CA when the CA is in its last third (or with \`--ca\`).

      In the cluster (the default) the order keeps every served certificate trusted: the caBundle of every webhook configuration gets the new CA next to the old one first, then the Secrets are updated. The old CA stays in the caBundle until every replica serves the new certificate: the webhook replica holding the Lease checks that and removes it; for a webhook outside the cluster this command checks its URL and removes it when it can.

      A webhook registered with \`install --webhook-url\` has no certificate Secrets: rotate its files with \`--dir\` where it runs, then publish the CA with \`install --webhook-url URL --ca-file DIR/ca-bundle.crt\`.

      With \`--dir\` the files are renewed in place and \`ca-bundle.crt\` holds the bundle to publish (old and new CA during a rollover).
    `,
    examples: [
      ['Renew what is due in the cluster', '$0 certs rotate'],
      ['Roll the CA over now', '$0 certs rotate --ca'],
      ['Renew files', '$0 certs rotate --dir ./certs --force'],
    ],
  });

  dir = Option.String('--dir', { description: 'Renew the files in DIR instead of the cluster' });
  service = Option.String('--service', 'graphdata-webhook', {
    description: 'With --dir: the Service name for the SANs',
  });
  force = Option.Boolean('--force', false, { description: 'Issue a new serving certificate even if not due' });
  ca = Option.Boolean('--ca', false, { description: 'Replace the CA too (a CA rollover)' });

  async run(): Promise<number> {
    const [rollover, { inspectCert }] = await Promise.all([
      import('../../../certs/rollover.js'),
      import('../../../certs/pki.js'),
    ]);
    const namespace = this.webhookNamespaceOrDefault();
    const say = (line: string) => this.context.stdout.write(`${line}\n`);
    const sansOf = (pem: string | undefined) => {
      try {
        const info = pem ? inspectCert(pem) : undefined;
        return info ? [...info.dnsNames, ...info.ipAddresses] : [];
      } catch {
        return [];
      }
    };

    if (this.dir) {
      const files = await import('../cert-files.js');
      const d = await files.readCertDir(this.dir);
      if (!d.caCert || !d.caKey) {
        throw new UserError(
          `${this.dir} has no ca.crt and ca.key`,
          'create them with `kubectl graphdata certs generate --out DIR`',
        );
      }
      const id = { service: this.service, namespace, extraSans: sansOf(d.cert) };
      const plan = rollover.planRotation(
        {
          ca: { certPem: d.caCert, keyPem: d.caKey },
          serving: { certPem: d.cert, keyPem: d.key },
          bundle: d.bundle ?? d.caCert,
        },
        id,
        { force: this.force, forceCa: this.ca },
      );
      if (!plan.reasons.length) {
        say(`nothing to do: the certificates in ${this.dir} are valid and not yet due`);
        return 0;
      }
      await files.writeCertDir(
        this.dir,
        plan.caRotated ? plan.ca : undefined,
        plan.servingRotated ? plan.serving : undefined,
        plan.caRotated || d.bundle !== undefined ? plan.bundle : undefined,
      );
      for (const r of plan.reasons) say(`renewed — ${r}`);
      if (plan.caRotated) {
        say(
          `${this.dir}/ca-bundle.crt holds the old and the new CA: publish it as caBundle BEFORE serving the new tls.crt`,
        );
      }
      return 0;
    }

    const [{ loadKubeConfig, apiErrorMessage }, { makeClients }, { handshake }, cc] = await Promise.all([
      import('../../kube/kubeconfig.js'),
      import('../../kube/clients.js'),
      import('../../kube/webhook-handshake.js'),
      import('../../../common/cluster-certs.js'),
    ]);
    const { k8s, kc } = await loadKubeConfig(this);
    const c = makeClients(k8s, kc);
    try {
      const state = await cc.readClusterCerts(c, namespace);
      if (!state.ca && !state.serving) {
        const { registeredMode } = await import('../../webhook-objects/install-modes.js');
        const registered = await registeredMode(c).catch(() => undefined);
        if (registered?.url)
          throw new UserError(
            `the webhook runs outside the cluster at ${registered.url} (install --webhook-url): its certificates are files where it runs, not Secrets in ${namespace}, so there is nothing to rotate in the cluster`,
            'renew the files there with `kubectl graphdata certs rotate --dir DIR` (`npm start` keeps its own in certs/dev/), restart the webhook, and after a CA rollover (--ca) publish DIR/ca-bundle.crt with `kubectl graphdata install --webhook-url URL --ca-file DIR/ca-bundle.crt`',
          );
        throw new UserError(
          `no graphdata certificates in ${namespace}`,
          'run `kubectl graphdata install`, or pass --webhook-namespace',
        );
      }
      const url = (await c.admission.readMutatingWebhookConfiguration({ name: 'graphdata' }).catch(() => undefined))
        ?.webhooks?.[0]?.clientConfig.url;
      const liveServing = url
        ? async () => {
            const u = new URL(url);
            const served = await handshake(u.hostname, Number(u.port || 443), '');
            return served.certPem ? [served.certPem] : [];
          }
        : undefined;
      const result = await cc.rotateClusterCerts(
        c,
        namespace,
        { service: 'graphdata-webhook', namespace, extraSans: sansOf(state.serving?.certPem) },
        { force: this.force, forceCa: this.ca, ...(liveServing ? { liveServing } : {}), log: say },
      );
      if (!result.reasons.length && !result.bundleSettled)
        say('nothing to do: the certificates are valid and not yet due');
      for (const r of result.reasons) say(`renewed — ${r}`);
      if (result.extraCAs > 0) {
        say(
          url
            ? `the old CA stays in the caBundle until ${url} serves the new certificate; run this again once it has reloaded`
            : 'the old CA stays in the caBundle until every replica serves the new certificate; the Lease holder removes it',
        );
      }
      return 0;
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw new UserError(`rotation failed: ${apiErrorMessage(error)}`, 'run it again: every step is safe to repeat');
    }
  }
}
