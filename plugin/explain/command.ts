import { Command, Option } from 'clipanion';
import { BUILT_IN_POLICY, BUILT_IN_POLICY_NAME } from '../../common/cluster-names.js';
import { GraphdataCommand, UserError, outputOption, namespaceOption } from '../cli/base.js';
import { namespaceLabelsOption, parseNamespaceLabels } from '../cli/namespace-labels-option.js';

export class ExplainCommand extends GraphdataCommand {
  static override paths = [['explain']];
  override namespace = namespaceOption(
    'Namespace of pod/NAME (default: the context namespace), or of -f objects that name none (default: default)',
  );
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Explain why a pod was, or would be, injected or not',
    details: `
      Shows the workload the pod matched (and by which labels), the containers
      targeted, the policy and profile, and what each mutator did or skipped and why.

      With -f, explains the pods and pod templates in the files, as the webhook would
      see them at creation (--namespace-labels gives the namespace's labels, e.g. its
      PodSecurity level). With pod/NAME, reads the live pod and its namespace: the
      \`graphdata.io/injected\` record is checked piece by piece against the pod
      (in place, missing, conflict), never believed.

      The policy: --policy FILE, else with -f the built-in policy, and with pod/NAME the
      one the webhook uses in the pod's namespace: the ClusterGraphDataPolicy in effect
      (the oldest, then by name) with the namespace's GraphDataPolicy laid over it, else
      the built-in policy. The policy line names it. A user who may not list the policy
      objects is told which permission is missing, and the built-in policy stands in.
    `,
    examples: [
      ['Explain a manifest', '$0 explain -f executor.yaml'],
      ['Explain a running pod', '$0 explain pod/wordcount-exec-1 -n tenant-a'],
      ['Machine-readable', '$0 explain -f cn.yaml -o json'],
    ],
  });

  target = Option.String({ required: false, name: 'pod/NAME' });
  files = Option.Array('-f,--filename', { description: 'File, directory or - with manifests' });
  policy = Option.String('--policy', {
    description: "Policy file (default: with pod/NAME the cluster's policy objects, as the webhook; with -f built-in)",
  });
  namespaceLabels = namespaceLabelsOption();
  output = outputOption(['table', 'json', 'yaml']);

  async run(): Promise<number> {
    if (Boolean(this.files?.length) === Boolean(this.target)) {
      throw new UserError(
        'give either -f FILE or pod/NAME',
        'e.g. `kubectl graphdata explain -f pod.yaml` or `kubectl graphdata explain pod/NAME -n NS`',
        2,
      );
    }
    const [{ loadPolicyForCli }, explain] = await Promise.all([
      import('../cli/policy-option.js'),
      import('./explanation.js'),
    ]);
    const policy = await loadPolicyForCli(this.policy);
    let explanations;
    if (this.target) explanations = [await explain.explainLivePod(this.target, this.livePolicy(policy), this)];
    else {
      explanations = await explain.explainFiles(
        await (await import('../documents/input.js')).readInputs(this.files ?? [], this.context.stdin),
        policy,
        this.namespace ?? 'default',
        parseNamespaceLabels(this.namespaceLabels),
      );
      // Named as status and version name it; the annotation keeps the plain reference.
      if (!this.policy) for (const e of explanations) e.policy = BUILT_IN_POLICY;
    }
    if (explanations.length === 0)
      throw new UserError(
        'no Pods or pod templates found in the input',
        'explain takes Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Lists',
      );
    if (this.output === 'table') {
      const { painter } = await import('../output/format.js');
      this.context.stdout.write(
        explanations.map((e) => explain.renderExplanation(e, painter(this.context.stdout))).join('\n'),
      );
    } else {
      const { formatObjects } = await import('../output/format.js');
      this.context.stdout.write(
        await formatObjects(explanations.length === 1 ? explanations : [{ explanations }], this.output),
      );
    }
    return 0;
  }

  /**
   * A live pod is explained with the policy the webhook would use in its namespace: the
   * cluster's policy objects, compiled by the webhook's code, else the built-in policy.
   * `--policy FILE` overrides them.
   */
  private livePolicy(loaded: import('../../policies/model.js').Policy): import('./explanation.js').LivePolicy {
    return async (kc, namespace, labels) => {
      const [
        { builtInFallback, clusterPolicies },
        { policyRef },
        { apiErrorMessage, serverOf },
        { applyNamespaceOverrides, NAMESPACE_NAME_LABEL },
      ] = await Promise.all([
        import('../kube/cluster-policies.js'),
        import('../../policies/engine.js'),
        import('../kube/kubeconfig.js'),
        import('../../policies/layering.js'),
      ]);
      if (this.policy) {
        const { policy } = applyNamespaceOverrides(loaded, { ...labels, [NAMESPACE_NAME_LABEL]: namespace });
        const applied = policy.overrides?.length ? ` with namespaceOverrides ${policy.overrides.join(', ')}` : '';
        return { policy, name: `${policyRef(loaded)}${applied}` };
      }
      let selection;
      try {
        selection = await clusterPolicies(kc, builtInFallback(loaded), {
          namespace,
          verb: 'explained',
          ...(labels ? { namespaceLabels: (ns: string) => (ns === namespace ? labels : undefined) } : {}),
        });
      } catch (error) {
        throw new UserError(
          `cannot read the policy objects in the cluster: ${apiErrorMessage(error)}`,
          `check that ${serverOf(kc)} answers, or explain with a policy file: --policy FILE`,
        );
      }
      for (const note of selection.notes) this.context.stderr.write(`note: ${note}\n`);
      return {
        policy: selection.policyFor(namespace),
        name: selection.policyName(namespace),
        builtInNameTaken: selection.clusterPolicyNames.includes(BUILT_IN_POLICY_NAME),
      };
    };
  }
}
