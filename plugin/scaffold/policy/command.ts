import { Command, Option } from 'clipanion';
import { usageError } from '../../cli/base.js';
import type { ScaffoldTarget } from '../types.js';
import { ScaffoldCommand, countOption, splitList } from '../scaffold-command.js';

export class ScaffoldPolicyCommand extends ScaffoldCommand {
  static override paths = [['scaffold', 'policy']];
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'Starter GraphDataPolicy, or ClusterGraphDataPolicy with --cluster',
    details: `
      Prints a GraphDataPolicy for the namespace (\`-n\`), or with \`--cluster\` a ClusterGraphDataPolicy that
      spells out the injection settings of the built-in policy (or \`--policy FILE\`). The output is checked by
      the same loader the webhook uses.
    `,
    examples: [
      [
        'Limits for one team',
        '$0 scaffold policy team-a -n team-a --allowed-registries registry.internal:5000,docker.io --max-executor-cores 4',
      ],
      [
        'A cluster policy in Enforce mode',
        '$0 scaffold policy default --cluster --mode Enforce --allowed-registries registry.internal:5000,docker.io',
      ],
      [
        'Pods of KubeVela apps may opt in by their own label in labelled namespaces',
        '$0 scaffold policy platform --cluster --pod-opt-in-namespaces platform.example/vela-apps=true',
      ],
    ],
  });

  cluster = Option.Boolean('--cluster', false, {
    description: 'Write a ClusterGraphDataPolicy instead of a namespaced GraphDataPolicy',
  });
  mode = Option.String('--mode', { description: 'Policy mode: Enforce|Audit (default Audit)' });
  allowedRegistries = Option.String('--allowed-registries', {
    description:
      'Comma-separated registries images may come from; a port is part of a registry (registry.internal:5000)',
  });
  maxExecutorCores = countOption('--max-executor-cores', 'Cap on cores per Spark executor');
  maxExecutorMemory = Option.String('--max-executor-memory', {
    description: 'Cap on memory per Spark executor, e.g. 16Gi',
  });
  maxCnReplicas = countOption('--max-cn-replicas', 'Cap on StarRocks CN replicas');
  podOptInNamespaces = Option.String('--pod-opt-in-namespaces', {
    description:
      'With --cluster: let pods opt in by their own graphdata.io/inject=enabled label in namespaces with these labels (KEY=VALUE,…), as spec.podOptIn',
  });
  policy = Option.String('--policy', {
    description: 'With --cluster: policy file whose injection settings are written (default: the built-in policy)',
  });

  protected async build(target: ScaffoldTarget) {
    if (this.policy !== undefined && !this.cluster)
      throw usageError('--policy only applies with --cluster', 'add --cluster, or drop --policy');
    if (this.podOptInNamespaces !== undefined && !this.cluster)
      throw usageError(
        '--pod-opt-in-namespaces only applies with --cluster',
        "pod-level opt-in is the platform's decision: a GraphDataPolicy may not set it; add --cluster",
      );
    const { scaffoldPolicy } = await import('./manifests.js');
    return scaffoldPolicy(
      target,
      {
        ...this,
        allowedRegistries: splitList(this.allowedRegistries),
        podOptInNamespaces: splitList(this.podOptInNamespaces),
      },
      this.cluster ? await this.loadPolicy(this.policy) : undefined,
      this.cluster ? undefined : await this.loadPolicy(undefined),
    );
  }
}
