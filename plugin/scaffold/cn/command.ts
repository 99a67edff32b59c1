import { Command, Option } from 'clipanion';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption } from '../scaffold-command.js';

export class ScaffoldCnCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'cn']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'Legacy StarRocks ComputeNodeGroup registering with an FE, autoscaled by an HPA',
    details: `
      Prints a ComputeNodeGroup (starrocks.com/v1alpha1, the legacy operator's API), the cn.conf ConfigMap it
      reads and an autoscaling/v2 HorizontalPodAutoscaler on it (\`--operator-autoscaling\` uses the operator's
      own autoscaling/v2beta2 policy instead: Kubernetes < 1.26 only).

      The FE account Secret (NAME-fe-account, keys FE_USR and FE_PWD) is not printed, so re-applying never
      resets its password; the notes give the \`kubectl create secret\` line to run once.
    `,
    examples: [
      [
        'Compute nodes registering with an FE',
        '$0 scaffold cn cn-pool -n starrocks --fe-address kube-starrocks-fe-service.starrocks:9030 ' +
          '--components-image registry.internal/starrocks/cn-components:v1.0',
      ],
      [
        'Between 2 and 20 nodes of 8 cores',
        '$0 scaffold cn cn-pool -n starrocks --fe-address fe.starrocks:9030 --components-image ' +
          'registry.internal/starrocks/cn-components:v1.0 --min-replicas 2 --max-replicas 20 --cpu 8 --memory 32Gi',
      ],
    ],
  });

  feAddresses = Option.Array('--fe-address', { description: 'FE query address HOST:PORT, repeatable (required)' });
  componentsImage = Option.String('--components-image', {
    description: "Image of the legacy operator's register sidecar and offline job (required)",
  });
  image = Option.String('--image', { description: 'CN image with a pinned tag' });
  feUser = Option.String('--fe-user', { description: 'FE user the CN registers with (default root)' });
  minReplicas = countOption('--min-replicas', 'Autoscaling minimum (default 1)');
  maxReplicas = countOption('--max-replicas', 'Autoscaling maximum (default 10)');
  cpu = Option.String('--cpu', { description: 'CPU per CN, e.g. 4' });
  memory = Option.String('--memory', { description: 'Memory per CN, e.g. 8Gi' });
  operatorAutoscaling = Option.Boolean('--operator-autoscaling', false, {
    description:
      "Autoscale with the operator's autoScalingPolicy (autoscaling/v2beta2: Kubernetes < 1.26 only) " +
      'instead of an autoscaling/v2 HPA',
  });

  protected async build(target: ScaffoldTarget) {
    const { scaffoldCn } = await import('./manifests.js');
    return scaffoldCn(target, this);
  }
}
