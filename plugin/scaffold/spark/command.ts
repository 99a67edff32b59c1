import { Command, Option } from 'clipanion';
import { usageError } from '../../cli/base.js';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption } from '../scaffold-command.js';

export class ScaffoldSparkCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'spark']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'SparkApplication reading from Alluxio, with its driver ServiceAccount and RBAC',
    details: `
      Prints a SparkApplication (sparkoperator.k8s.io/v1beta2) named NAME and the ServiceAccount, Role and
      RoleBinding its driver needs to create executors. Every image is pinned.

      By default the graphdata webhook adds the Alluxio client jar, client options, domain socket and placement
      to the driver and executor pods. \`--no-webhook\` writes them into the spec instead, with the values of
      the built-in policy (or \`--policy FILE\`). Under a \`cache: fluid\` policy the Alluxio master options are
      not written (the port is Fluid's, known only in the cluster): a note on stderr and a comment say what to add.
    `,
    examples: [
      ['A Spark job reading from Alluxio, injected by the webhook', '$0 scaffold spark wordcount -n analytics'],
      [
        'The same for a cluster without the webhook',
        '$0 scaffold spark wordcount -n analytics --no-webhook --executors 4 --executor-memory 4g',
      ],
      [
        'Your own application',
        '$0 scaffold spark etl -n analytics --image registry.internal/etl:1.4.0 --main-class com.acme.Etl ' +
          '--main-file local:///opt/app/etl.jar',
      ],
    ],
  });

  image = Option.String('--image', { description: 'Spark image with a pinned tag (default apache/spark:<version>)' });
  type = Option.String('--type', { description: 'Application type: Scala|Java|Python|R (default Scala)' });
  mainClass = Option.String('--main-class', {
    description: 'Main class (default the HdfsTest example, which reads the --arg path)',
  });
  mainFile = Option.String('--main-file', {
    description: 'Application jar or script, e.g. local:///opt/spark/work-dir/app.jar',
  });
  args = Option.Array('--arg', { description: 'Application argument, repeatable (default an alluxio:/// input path)' });
  sparkVersion = Option.String('--spark-version', { description: 'Spark version (default 3.5.1)' });
  driverCores = countOption('--driver-cores', 'Driver cores (default 1)');
  driverMemory = Option.String('--driver-memory', { description: 'Driver memory, e.g. 1g' });
  executors = countOption('--executors', 'Executor instances (default 2)');
  executorCores = countOption('--executor-cores', 'Cores per executor (default 1)');
  executorMemory = Option.String('--executor-memory', { description: 'Memory per executor, e.g. 4g (default 2g)' });
  serviceAccount = Option.String('--service-account', {
    description: 'ServiceAccount of the driver (default NAME-driver)',
  });
  noWebhook = Option.Boolean('--no-webhook', false, {
    description: 'Write jar, client options, socket and placement into the spec',
  });
  policy = Option.String('--policy', {
    description: 'With --no-webhook: policy file whose values are written (default: the built-in policy)',
  });

  protected async build(target: ScaffoldTarget) {
    if (this.policy !== undefined && !this.noWebhook)
      throw usageError('--policy only applies with --no-webhook', 'add --no-webhook, or drop --policy');
    const { scaffoldSpark } = await import('./manifests.js');
    return scaffoldSpark(target, this, this.noWebhook ? await this.loadPolicy(this.policy) : undefined);
  }
}
