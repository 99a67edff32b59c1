import { Command, Option } from 'clipanion';
import { UserError, WebhookCommand, outputOption } from '../../cli/base.js';

interface Row {
  source: string;
  subject?: string;
  issuer?: string;
  sans?: string[];
  notBefore?: string;
  notAfter?: string;
  daysLeft?: number;
  isCA?: boolean;
  key?: string;
  fingerprintSha256?: string;
  error?: string;
}

export class CertsInspectCommand extends WebhookCommand {
  static override paths = [['certs', 'inspect']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Show the webhook certificates: subject, SANs, validity, days left, fingerprint',
    details: `
      From a directory (\`--dir\`, as \`certs generate\` writes it), PEM files (\`-f\`, repeatable), or by default the live cluster: the Secrets graphdata-webhook-tls and graphdata-webhook-ca in the namespace (default graphdata-system) and the caBundle of each webhook configuration; for a webhook registered with \`install --webhook-url\`, which has no Secrets, the certificate served at its URL. Key material is never printed; a key file is reported only as matching its certificate or not.
    `,
    examples: [
      ['The live certificates', '$0 certs inspect'],
      ['A directory', '$0 certs inspect --dir ./certs'],
      ['As JSON', '$0 certs inspect -o json'],
    ],
  });

  dir = Option.String('--dir', { description: 'Directory with ca.crt, tls.crt, tls.key' });
  files = Option.Array('-f,--file', [], { description: 'PEM certificate file (repeatable)' });
  output = outputOption(['table', 'json', 'yaml'], 'Output format: table|json|yaml');

  async run(): Promise<number> {
    const [{ inspectCert, splitPemCerts }, { keyMatches }, { daysLeft }] = await Promise.all([
      import('../../../certs/pki.js'),
      import('../../../certs/rollover.js'),
      import('../../output/checks.js'),
    ]);
    const rows: Row[] = [];
    const describe = (source: string, pem: string | undefined, keyPem?: string) => {
      if (!pem) return;
      let certs;
      try {
        certs = splitPemCerts(pem);
        if (!certs.length) throw new Error('no PEM certificate in it');
      } catch (error) {
        rows.push({ source, error: (error as Error).message });
        return;
      }
      certs.forEach((x, i) => {
        const info = inspectCert(x.toString());
        rows.push({
          source: certs.length > 1 ? `${source} [${i + 1}/${certs.length}]` : source,
          subject: info.subject,
          issuer: info.issuer,
          sans: [...info.dnsNames, ...info.ipAddresses],
          notBefore: info.notBefore.toISOString(),
          notAfter: info.notAfter.toISOString(),
          daysLeft: daysLeft(info.notAfter),
          isCA: info.isCA,
          key:
            keyPem === undefined
              ? `${info.keyType.toUpperCase()} ${info.keyBits || ''}`.trim()
              : `${info.keyType.toUpperCase()} ${info.keyBits}, private key ${keyMatches({ certPem: x.toString(), keyPem }) ? 'matches' : 'DOES NOT match'}`,
          fingerprintSha256: info.fingerprintSha256,
        });
      });
    };

    if (this.dir || this.files.length) {
      const { readFile } = await import('node:fs/promises');
      const { join } = await import('node:path');
      const { readCertDir } = await import('../cert-files.js');
      if (this.dir) {
        const d = await readCertDir(this.dir);
        if (!d.caCert && !d.cert) throw new UserError(`${this.dir} holds neither ca.crt nor tls.crt`, 'check --dir');
        describe(join(this.dir, 'ca.crt'), d.caCert, d.caKey);
        describe(join(this.dir, 'ca-bundle.crt'), d.bundle);
        describe(join(this.dir, 'tls.crt'), d.cert, d.key);
      }
      for (const f of this.files) {
        try {
          describe(f, await readFile(f, 'utf8'));
        } catch (error) {
          throw new UserError(`${f}: ${(error as Error).message}`, 'give a readable PEM file');
        }
      }
    } else {
      const [{ TLS_SECRET, CA_SECRET }, { loadKubeConfig, apiErrorMessage }, cc, { makeClients }] = await Promise.all([
        import('../../../common/cluster-names.js'),
        import('../../kube/kubeconfig.js'),
        import('../../../common/cluster-certs.js'),
        import('../../kube/clients.js'),
      ]);
      const namespace = this.webhookNamespaceOrDefault();
      const { k8s, kc } = await loadKubeConfig(this);
      const c = makeClients(k8s, kc);
      let state;
      try {
        state = await cc.readClusterCerts(c, namespace);
      } catch (error) {
        throw new UserError(
          `cannot read the certificates: ${apiErrorMessage(error)}`,
          `you need get on secrets in ${namespace}`,
        );
      }
      if (!state.ca && !state.serving && !state.webhooks.length) {
        throw new UserError(
          `no graphdata certificates in ${namespace}`,
          'run `kubectl graphdata install`, or pass --webhook-namespace',
        );
      }
      describe(`secret/${CA_SECRET} ca.crt`, state.ca?.certPem, state.ca?.keyPem);
      describe(`secret/${TLS_SECRET} tls.crt`, state.serving?.certPem, state.serving?.keyPem);
      for (const w of state.webhooks) describe(`${w.kind}/${w.name} caBundle`, w.bundle || undefined);
      // Outside the cluster (install --webhook-url) the certificate is the one served there.
      const { registeredMode } = await import('../../webhook-objects/install-modes.js');
      const registered = await registeredMode(c).catch(() => undefined);
      if (registered?.url && !state.serving) {
        const u = new URL(registered.url);
        const { handshake } = await import('../../kube/webhook-handshake.js');
        const served = await handshake(u.hostname, Number(u.port || 443), '');
        if (served.certPem) describe(`served at ${u.host}`, served.certPem);
        else rows.push({ source: `served at ${u.host}`, error: `cannot connect: ${served.error}` });
        this.context.stderr.write(
          `note: the webhook runs outside the cluster at ${registered.url} (install --webhook-url): its certificate and key are files where it runs, not Secrets in ${namespace}\n`,
        );
      }
    }

    if (this.output === 'json') this.context.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (this.output === 'yaml')
      this.context.stdout.write((await import('../../output/yaml-stringify.js')).stringify(rows));
    else {
      const text = rows
        .map((r) =>
          r.error
            ? `${r.source}\n  error: ${r.error}\n`
            : [
                r.source,
                `  subject:     ${r.subject}${r.isCA ? ' (CA)' : ''}`,
                `  issuer:      ${r.issuer}`,
                ...(r.sans?.length ? [`  SANs:        ${r.sans.join(', ')}`] : []),
                `  valid:       ${r.notBefore} → ${r.notAfter} (${r.daysLeft} days left)`,
                `  key:         ${r.key}`,
                `  sha256:      ${r.fingerprintSha256}`,
                '',
              ].join('\n'),
        )
        .join('\n');
      this.context.stdout.write(text);
    }
    return rows.some((r) => r.error || (r.daysLeft ?? 1) <= 0 || r.key?.includes('DOES NOT')) ? 1 : 0;
  }
}
