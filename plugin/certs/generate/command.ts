import { Command, Option } from 'clipanion';
import { UserError, WebhookCommand } from '../../cli/base.js';

export class CertsGenerateCommand extends WebhookCommand {
  static override paths = [['certs', 'generate']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Generate a CA and a serving certificate for the webhook Service',
    details: `
      Writes \`ca.crt\`, \`ca.key\` (RSA 3072, 5 years), \`tls.crt\` and \`tls.key\` (RSA 2048, 1 year) to DIR, with the SANs \`<svc>\`, \`<svc>.<ns>\`, \`<svc>.<ns>.svc\` and \`<svc>.<ns>.svc.cluster.local\` (plus any \`--extra-san\`). Keys are 0600, the directory 0700. Existing files are kept unless \`--force\`.

      Use them for a webhook you register yourself; \`kubectl graphdata install\` generates and stores its own.
    `,
    examples: [
      [
        'For the default Service',
        '$0 certs generate --service graphdata-webhook --webhook-namespace graphdata-system --out ./certs',
      ],
      ['Also usable on this machine', '$0 certs generate --out ./certs --extra-san localhost --extra-san 127.0.0.1'],
    ],
  });

  service = Option.String('--service', 'graphdata-webhook', { description: 'Service name the apiserver dials' });
  out = Option.String('--out', { required: true, description: 'Directory to write the four files to' });
  extraSan = Option.Array('--extra-san', [], { description: 'More DNS names or IP addresses (repeatable)' });
  force = Option.Boolean('--force', false, { description: 'Overwrite existing files' });

  async run(): Promise<number> {
    const [{ generateWebhookCerts, servingSans }, files, { join }] = await Promise.all([
      import('../../../certs/rollover.js'),
      import('../cert-files.js'),
      import('node:path'),
    ]);
    const id = { service: this.service, namespace: this.webhookNamespaceOrDefault(), extraSans: this.extraSan };
    const existing = await files.readCertDir(this.out);
    const present = Object.entries(existing).filter(([, v]) => v !== undefined);
    if (present.length && !this.force) {
      throw new UserError(
        `${this.out} already holds certificates (${present.map(([k]) => files.FILES[k as keyof typeof files.FILES]).join(', ')})`,
        'pass --force to replace them, or `kubectl graphdata certs rotate --dir` to renew only what is due',
      );
    }
    const certs = generateWebhookCerts(id);
    await files.writeCertDir(this.out, certs.ca, certs.serving);
    const out = this.context.stdout;
    out.write(`wrote ${['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((f) => join(this.out, f)).join(', ')}\n`);
    out.write(`SANs: ${servingSans(id).join(', ')}\n`);
    out.write(`caBundle: base64 of ${join(this.out, 'ca.crt')}\n`);
    return 0;
  }
}
