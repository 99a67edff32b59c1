import { Command, Option } from 'clipanion';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption } from '../scaffold-command.js';

export class ScaffoldVelaAppCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'vela-app']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'KubeVela Application using the graphdata definitions',
    details: `
      Prints an Application with one component of a type \`scaffold vela-definitions\` ships (\`--type spark\`,
      \`starrocks-cn\` or \`graphscope\`) and the \`graphdata\` trait, which opts its pods in to injection.
    `,
    examples: [
      [
        'A Spark job reading alluxio:// paths',
        '$0 scaffold vela-app wordcount -n team-a --type spark --main-file local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar --main-class org.apache.spark.examples.JavaWordCount --arg alluxio:///data/input.txt',
      ],
    ],
  });

  type = Option.String('--type', { description: 'spark, starrocks-cn or graphscope (required)' });
  image = Option.String('--image', { description: 'Image, with a pinned tag (default: the definition’s)' });
  mainFile = Option.String('--main-file', { description: 'Spark: the application jar or script (required)' });
  mainClass = Option.String('--main-class', { description: 'Spark: the main class' });
  args = Option.Array('--arg', { description: 'Spark: an application argument, repeatable' });
  executors = countOption('--executors', 'Spark: executor instances (default 2)');
  profile = Option.String('--profile', { description: 'graphdata profile for the pods' });
  dataset = Option.String('--dataset', { description: 'Fluid dataset the pods read' });

  protected async build(target: ScaffoldTarget) {
    const { velaApp } = await import('../vela.js');
    return velaApp(target, this);
  }
}
