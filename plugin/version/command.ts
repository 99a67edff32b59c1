import { Command, Option } from 'clipanion';
import { GraphdataCommand, outputOption } from '../cli/base.js';
import { PLUGIN_VERSION } from '../cli/plugin-version.js';

export class VersionCommand extends GraphdataCommand {
  static override paths = [['version']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Print the plugin, engine, webhook and cluster versions',
    details: `
      The plugin and its injection engine are one package, so they share a version; the engine line also names the policy API it reads and the mutators it runs.

      With a cluster (from \`--kubeconfig\` / \`--context\`) the apiserver's version is added, and the webhook's (found through its MutatingWebhookConfiguration, asked at GET /version); an unreachable cluster is reported as such after at most 3 seconds and is not an error. \`--client\` skips the cluster.
    `,
    examples: [
      ['Everything, including the apiserver', '$0 version'],
      ['Only what is installed locally', '$0 version --client'],
      ['As JSON, for scripts', '$0 version --context prod -o json'],
    ],
  });

  client = Option.Boolean('--client', false, { description: 'Only the plugin and engine; do not contact the cluster' });
  output = outputOption(['table', 'json', 'yaml'], 'Output format: table|json|yaml');

  async run(): Promise<number> {
    const [{ API_VERSION }, { MUTATORS }, { ENGINE_VERSION }] = await Promise.all([
      import('../../policies/model.js'),
      import('../../policies/mutators/index.js'),
      import('../../policies/engine-version.js'),
    ]);
    const report: Record<string, unknown> = {
      plugin: { version: PLUGIN_VERSION },
      engine: { version: ENGINE_VERSION, policyApi: API_VERSION, mutators: MUTATORS.map((m) => m.name) },
    };
    if (!this.client) {
      const { fetchClusterVersions } = await import('../kube/server-version.js');
      const { server, webhook } = await fetchClusterVersions({
        kubeconfig: this.kubeconfig,
        kubeContext: this.kubeContext,
      });
      report.server = server.reachable
        ? { version: server.gitVersion, ...(server.platform ? { platform: server.platform } : {}) }
        : { unreachable: server.reason };
      if (webhook)
        report.webhook = webhook.found
          ? {
              version: webhook.version,
              endpoint: webhook.endpoint,
              ...(webhook.policy ? { policy: webhook.policy } : {}),
            }
          : { unavailable: webhook.reason };
    }
    if (this.output === 'json') this.context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (this.output === 'yaml')
      this.context.stdout.write((await import('../output/yaml-stringify.js')).stringify(report));
    else this.context.stdout.write(this.table(report));
    return 0;
  }

  private table(report: Record<string, unknown>): string {
    const engine = report.engine as { version: string; policyApi: string; mutators: string[] };
    const server = report.server as { version?: string; platform?: string; unreachable?: string } | undefined;
    const webhook = report.webhook as { version?: string; endpoint?: string; unavailable?: string } | undefined;
    const lines = [
      ['plugin', PLUGIN_VERSION],
      ['engine', `${engine.version} (policy API ${engine.policyApi}; mutators ${engine.mutators.join(', ')})`],
      ...(server
        ? [
            [
              'server',
              server.version
                ? `${server.version}${server.platform ? ` (${server.platform})` : ''}`
                : `unreachable — ${server.unreachable}`,
            ],
          ]
        : []),
      ...(webhook
        ? [['webhook', webhook.version ? `${webhook.version} (${webhook.endpoint})` : webhook.unavailable!]]
        : []),
    ];
    return lines.map(([k, v]) => `${`${k}:`.padEnd(9)}${v}\n`).join('');
  }
}
