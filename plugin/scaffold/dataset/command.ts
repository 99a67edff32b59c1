import { Command, Option } from 'clipanion';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption } from '../scaffold-command.js';

export class ScaffoldDatasetCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'dataset']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'Fluid Dataset cached by an AlluxioRuntime that grows with use',
    details: `
      Prints a Fluid Dataset and its AlluxioRuntime (MEM and SSD tiers), an autoscaling/v2 HPA that adds cache
      workers when \`capacity_used_rate\` passes \`--scale-at\` percent, and a ConfigMap with the
      prometheus-adapter rule that serves that metric.

      Pods annotated \`graphdata.io/dataset: NAME\` prefer the nodes that cache the dataset.
    `,
    examples: [
      [
        'A dataset whose cache grows at 80% use',
        '$0 scaffold dataset sales -n analytics --mount s3://warehouse/sales --scale-at 80',
      ],
      [
        'HDFS data on bigger SSDs',
        '$0 scaffold dataset logs -n analytics --mount hdfs://namenode:8020/logs --ssd-quota 200Gi',
      ],
    ],
  });

  mount = Option.String('--mount', { description: 'Data to cache: s3://…, hdfs://…, pvc://… (required)' });
  alluxioImage = Option.String('--alluxio-image', { description: "Alluxio image for the runtime (default Fluid's)" });
  memQuota = Option.String('--mem-quota', { description: 'Memory tier per worker (default 2Gi)' });
  ssdQuota = Option.String('--ssd-quota', { description: 'SSD tier per worker (default 50Gi)' });
  ssdPath = Option.String('--ssd-path', { description: 'SSD tier directory on the node (default /mnt/ssd/fluid)' });
  minReplicas = countOption('--min-replicas', 'Cache workers at least (default 1)');
  maxReplicas = countOption('--max-replicas', 'Cache workers at most (default 4)');
  scaleAt = countOption('--scale-at', 'Scale up when this % of the cache is used (default 90)');

  protected async build(target: ScaffoldTarget) {
    const { scaffoldDataset } = await import('./manifests.js');
    return scaffoldDataset(target, this);
  }
}
