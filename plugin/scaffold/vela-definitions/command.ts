import { Command, Option } from 'clipanion';
import { BaseCommand, outputOption } from '../../cli/base.js';

export class ScaffoldVelaDefinitionsCommand extends BaseCommand {
  static override paths = [['scaffold', 'vela-definitions']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'KubeVela definitions: the graphdata trait and Spark, StarRocks CN, GraphScope components',
    details: `
      Prints the \`graphdata\` TraitDefinition and the ComponentDefinitions \`graphdata-spark-job\` (a SparkApplication),
      \`graphdata-starrocks-cn\` (a StarRocksCluster) and \`graphdata-graphscope-engine\` (a StatefulSet), for a platform
      team to apply (they are cluster-wide when applied to vela-system).

      The trait writes only \`graphdata.io/inject\`, \`graphdata.io/profile\` and \`graphdata.io/dataset\` onto the pods a
      component renders; the webhook injects, where the namespace is opted in or the cluster policy allows pod-level
      opt-in. Default images come from \`--registry\`, else the policy's mirror for docker.io (\`--policy FILE\`, default
      the built-in policy). Templates are plain CUE unification (no \`+patchKey\`/\`+patchStrategy\`).
    `,
    examples: [
      ['Definitions for vela-system', '$0 scaffold vela-definitions -n vela-system | kubectl apply -f -'],
      [
        'Images from a mirror, a default profile',
        '$0 scaffold vela-definitions --registry registry.internal --profile ssd',
      ],
    ],
  });

  namespace = Option.String('-n,--namespace', 'vela-system', {
    description: 'Namespace of the definitions (default vela-system: visible to every namespace)',
  });
  registry = Option.String('--registry', { description: 'Registry the default images come from' });
  profile = Option.String('--profile', { description: "The trait's default profile (one of the policy's)" });
  policy = Option.String('--policy', {
    description: 'Policy file whose mirrors and profiles apply (default built-in)',
  });
  output = outputOption(['yaml', 'json']);

  async run(): Promise<number> {
    const [{ loadPolicyForCli }, { velaDefinitions }, { formatObjects }] = await Promise.all([
      import('../../cli/policy-option.js'),
      import('../vela.js'),
      import('../../output/format.js'),
    ]);
    const result = velaDefinitions(await loadPolicyForCli(this.policy), this);
    for (const o of result.objects) o.metadata.namespace = this.namespace;
    const header = this.output === 'yaml' ? result.notes.map((n) => `# ${n}\n`).join('') : '';
    this.context.stdout.write(header + (await formatObjects(result.objects, this.output)));
    return 0;
  }
}
