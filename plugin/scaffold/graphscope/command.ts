import { Command, Option } from 'clipanion';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption } from '../scaffold-command.js';

export class ScaffoldGraphscopeCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'graphscope']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'Namespace for GraphScope sessions, the coordinator account and offline-image values',
    details: `
      Prints the namespace (\`-n\`) labelled for graphdata injection, a ServiceAccount for the GraphScope
      coordinator with the Role it needs to launch and clean up engines (bound to that account only, never to
      \`default\`), and a ConfigMap with the session arguments and Helm values that point every image at
      \`--registry\`.
    `,
    examples: [
      [
        'GraphScope with images from an offline mirror',
        '$0 scaffold graphscope gs -n graph --registry registry.internal:5000',
      ],
      ['Four bigger engines', '$0 scaffold graphscope gs -n graph --workers 4 --cpu 8 --memory 32Gi'],
    ],
  });

  registry = Option.String('--registry', { description: 'Registry (offline mirror) for every GraphScope image' });
  graphscopeVersion = Option.String('--graphscope-version', { description: 'GraphScope image tag (default 0.29.0)' });
  workers = countOption('--workers', 'Engine workers per session (default 2)');
  cpu = Option.String('--cpu', { description: 'CPU per engine, e.g. 2' });
  memory = Option.String('--memory', { description: 'Memory per engine, e.g. 8Gi' });
  serviceAccount = Option.String('--service-account', {
    description: 'ServiceAccount of the coordinator (default NAME-coordinator)',
  });

  protected async build(target: ScaffoldTarget) {
    const { scaffoldGraphscope } = await import('./manifests.js');
    return scaffoldGraphscope(target, this);
  }
}
