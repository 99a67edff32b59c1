import { Command, Option } from 'clipanion';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption } from '../scaffold-command.js';

export class ScaffoldStarRocksClusterCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'starrocks-cluster']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'StarRocksCluster with FE and compute nodes autoscaled on cpu and memory',
    details: `
      Prints a StarRocksCluster (starrocks.com/v1, the operator's current API) with FE and an autoscaled CN
      (autoscaling/v2 on cpu and memory), and the cn.conf ConfigMap it reads.
    `,
    examples: [
      ['A cluster whose compute nodes scale to 20', '$0 scaffold starrocks-cluster sr -n starrocks --max-replicas 20'],
      [
        'Images from a mirror',
        '$0 scaffold starrocks-cluster sr -n starrocks --image registry.internal/starrocks/cn-ubuntu:3.2.2 ' +
          '--fe-image registry.internal/starrocks/fe-ubuntu:3.2.2',
      ],
    ],
  });

  image = Option.String('--image', { description: 'CN image with a pinned tag' });
  feImage = Option.String('--fe-image', { description: 'FE image with a pinned tag' });
  feReplicas = countOption('--fe-replicas', 'FE replicas (default 3)');
  minReplicas = countOption('--min-replicas', 'CN autoscaling minimum (default 1)');
  maxReplicas = countOption('--max-replicas', 'CN autoscaling maximum (default 10)');
  cpu = Option.String('--cpu', { description: 'CPU per CN, e.g. 4' });
  memory = Option.String('--memory', { description: 'Memory per CN, e.g. 8Gi' });

  protected async build(target: ScaffoldTarget) {
    const { scaffoldStarRocksCluster } = await import('./manifests.js');
    return scaffoldStarRocksCluster(target, this);
  }
}
