import { Command, Option } from 'clipanion';
import type { Policy } from '../../policies/model.js';
import { UserError, WebhookCommand, outputOption } from '../cli/base.js';

export class DoctorCommand extends WebhookCommand {
  static override paths = [['doctor']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Check everything graphdata relies on in the cluster, with a fix for each problem',
    details: `
      Each check prints ✓ or ✗ and, for ✗, a fix in plain words: the Kubernetes version (HPA \`autoscaling/v2\` needs 1.23+), whether the cluster serves image volumes (1.36+, or 1.35 with the ImageVolume gate on; a ✗ only when the policy asks for \`alluxio.clientJar.delivery: imageVolume\`), the Spark operator, StarRocks and Fluid CRDs, nodes labelled for Alluxio (the cluster policy's \`placement.nodeLabels\`; with \`placement.mode\` nodeSelector or required, pods wait Pending without them) and Alluxio worker pods on them, profiles whose required placement no node matches, the domain-socket PVC in each opted-in namespace whose policy uses one, metrics-server, the custom metrics API serving \`capacity_used_rate\`, the webhook reachable through its Service, every entry of its two webhook configurations as install registers it (the namespace-level ones and the pod-level ones that serve labelled pods where the cluster policy's \`spec.podOptIn\` allows them; a ✗ names the entry, what differs and which namespaces it leaves unserved), and its certificates.

      The policy is --policy FILE, else the one the webhook uses: the cluster's ClusterGraphDataPolicy in effect, with each namespace's GraphDataPolicy laid over it, else the built-in policy.

      Exit code 0 when every check passes, 1 otherwise. \`-o json\` for scripts; colour only on a terminal and never with NO_COLOR.
    `,
    examples: [
      ['Check the current cluster', '$0 doctor'],
      ["With a policy file instead of the cluster's policy objects", '$0 doctor --policy platform-policy.yaml'],
      ['As JSON', '$0 doctor -o json'],
    ],
  });

  policy = Option.String('--policy', {
    description: "Policy file whose node labels and socket mode to check (default: the cluster's, as the webhook)",
  });
  output = outputOption(['table', 'json', 'yaml'], 'Output format: table|json|yaml');

  async run(): Promise<number> {
    const [{ loadKubeConfig, apiErrorMessage }, { makeClients }, { runDoctor }, { loadPolicyForCli }] =
      await Promise.all([
        import('../kube/kubeconfig.js'),
        import('../kube/clients.js'),
        import('./run.js'),
        import('../cli/policy-option.js'),
      ]);
    const policy = await loadPolicyForCli(this.policy);
    const { k8s, kc } = await loadKubeConfig(this);
    let checks;
    try {
      const policies = await this.policies(kc, policy);
      for (const note of policies.notes) this.context.stderr.write(`note: ${note}\n`);
      checks = await runDoctor(makeClients(k8s, kc), this.webhookNamespaceOrDefault(), policies);
    } catch (error) {
      throw new UserError(`cannot read the cluster: ${apiErrorMessage(error)}`, 'check --kubeconfig and --context');
    }
    const report = { ok: checks.every((c) => c.ok), checks };
    if (this.output === 'json') this.context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (this.output === 'yaml')
      this.context.stdout.write((await import('../output/yaml-stringify.js')).stringify(report));
    else {
      const [{ renderChecks }, { painter }] = await Promise.all([
        import('../output/checks.js'),
        import('../output/format.js'),
      ]);
      this.context.stdout.write(renderChecks(checks, painter(this.context.stdout)));
      const failed = checks.filter((c) => !c.ok).length;
      this.context.stdout.write(
        failed ? `\n${failed} of ${checks.length} checks failed\n` : `\nall ${checks.length} checks passed\n`,
      );
    }
    return checks.every((c) => c.ok) ? 0 : 1;
  }

  /** --policy FILE, else what the webhook uses: the cluster's policy objects, else the built-in policy. */
  private async policies(kc: import('@kubernetes/client-node').KubeConfig, loaded: Policy) {
    const { builtInFallback, clusterPolicies, filePolicySelection } = await import('../kube/cluster-policies.js');
    if (this.policy) return filePolicySelection(loaded, this.policy);
    return clusterPolicies(kc, builtInFallback(loaded), { verb: 'checked' });
  }
}
