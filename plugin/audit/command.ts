import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { GraphdataCommand, UserError, outputOption } from '../cli/base.js';

export class AuditCommand extends GraphdataCommand {
  static override paths = [['audit']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Check live pods and custom resources against the policy, as the validating webhook would',
    details: `
      Lists pods and the custom resources POST /validate checks (SparkApplication, ScheduledSparkApplication,
      StarRocksCluster, ComputeNodeGroup, Dataset, AlluxioRuntime, HorizontalPodAutoscaler) in the namespaces the
      validating webhook covers (labelled graphdata.io/inject=enabled; never kube-system, kube-public,
      kube-node-lease or the webhook's own namespace), and runs each through the decision /validate makes at CREATE: the
      policy's limits, and the safety net for workload pods that were not injected. A kind whose CRD is not
      installed is skipped, with a note.

      The policy: --policy FILE, else the ClusterGraphDataPolicy in effect in the cluster (the oldest, then by
      name) with each namespace's GraphDataPolicy laid over it, else the built-in policy.

      The webhook's own namespace: --webhook-namespace, else the namespaces the ValidatingWebhookConfiguration
      graphdata excludes (its namespaceSelector and Service), else graphdata-system.

      Objects are listed --chunk-size at a time (limit/continue, as kubectl get does) and checked page by page, so
      memory does not grow with the cluster. Violations print as they are found; progress goes to stderr.

      Exit code 1 when an object breaks a rule in Enforce mode (/validate would deny it), 0 otherwise (Audit
      findings are reported, not failed on).
    `,
    examples: [
      ['Audit every opted-in namespace', '$0 audit -A'],
      ['One namespace, as JSON', '$0 audit -n analytics -o json'],
      ['Against a policy file, 100 objects per request', '$0 audit -A --policy policy.yaml --chunk-size 100'],
    ],
  });

  allNamespaces = Option.Boolean('-A,--all-namespaces', false, {
    description: 'Audit every namespace the validating webhook covers (as in kubectl, -n is then ignored)',
  });
  policy = Option.String('--policy', {
    description: 'Policy file (default: the policies in the cluster, or built-in)',
  });
  webhookNamespace = Option.String('--webhook-namespace', {
    description:
      'Namespace of the webhook, never audited ' +
      '(default: read from the ValidatingWebhookConfiguration, else graphdata-system)',
  });
  chunkSize = Option.String('--chunk-size', '500', {
    description: 'Objects per list request (limit/continue)',
    validator: t.cascade(t.isNumber(), [t.isInteger(), t.isInInclusiveRange(1, 10_000)]),
  });
  output = outputOption(['table', 'json', 'yaml']);

  async run(): Promise<number> {
    const [{ loadKubeConfig, serverOf, apiErrorMessage }, cluster, { audit }, { painter }, report] = await Promise.all([
      import('../kube/kubeconfig.js'),
      import('./cluster.js'),
      import('./scan.js'),
      import('../output/format.js'),
      import('./report.js'),
    ]);
    const { kc, namespace: contextNamespace } = await loadKubeConfig(this);
    const only = this.allNamespaces ? undefined : (this.namespace ?? contextNamespace);
    const note = (text: string) => this.context.stderr.write(`note: ${text}\n`);
    const fail = (error: unknown, what: string): never => {
      throw new UserError(
        `${what}: ${(error as Error).message}`,
        `check that ${serverOf(kc)} answers and that you may list ${what.split(' ').pop()}`,
      );
    };

    const { scopes, podLevel } = await this.namespaceScopes(kc, cluster, only, note).catch((e) =>
      fail(e, 'cannot list namespaces'),
    );
    const selection = await this.policies(kc, only, (ns) => scopes.get(ns) ?? podLevel.get(ns)).catch((e) => {
      if (e instanceof UserError) throw e; // a --policy file that does not load says so itself
      throw new UserError(
        `cannot list the graphdata policy objects: ${apiErrorMessage(e)}`,
        `check that ${serverOf(kc)} answers, or audit against a policy file: --policy FILE`,
      );
    });
    for (const n of selection.notes) note(n);
    const runtimes = await this.fluidRuntimes(kc, cluster, only, new Map([...scopes, ...podLevel])).catch((e) =>
      fail(e, 'cannot list alluxioruntimes'),
    );
    const scopeCache = new Map<string, import('./scan.js').NamespaceScope | undefined>();
    const { podOptInScope } = await import('../../policies/pod-opt-in.js');
    const scope = (ns: string) => {
      if (!scopeCache.has(ns)) {
        const labels = scopes.get(ns);
        const podLabels = podLevel.get(ns);
        scopeCache.set(
          ns,
          labels !== undefined
            ? {
                policy: selection.policyFor(ns),
                policyName: selection.policyName(ns),
                ...(labels ? { labels } : {}),
                ...(runtimes ? { runtimes } : {}),
                ...(this.optInTimes.has(ns) ? { optedInAt: this.optInTimes.get(ns) } : {}),
              }
            : podLabels !== undefined
              ? {
                  policy: selection.policyFor(ns),
                  policyName: selection.policyName(ns),
                  labels: podLabels,
                  podLevel: podOptInScope(selection.policyFor(ns), ns, podLabels),
                  ...(runtimes ? { runtimes } : {}),
                }
              : undefined,
        );
      }
      return scopeCache.get(ns);
    };

    const sources = [];
    for (const r of cluster.AUDITED_RESOURCES) {
      const servedNow = await cluster.served(kc, r, only).catch((e) => fail(e, `cannot list ${r.resource}`));
      if (!servedNow) {
        note(`${r.kind} (${cluster.apiVersionOf(r)}) is not served by this cluster (CRD not installed); skipped`);
        continue;
      }
      const { listPages } = await import('./paging.js');
      sources.push({
        kind: r.kind,
        apiVersion: cluster.apiVersionOf(r),
        pages: listPages(cluster.pageFetcher(kc, cluster.listPath(r, only), this.chunkSize)),
      });
    }

    const out = this.context.stdout;
    const progress = report.progressLine(this.context.stderr);
    const writer =
      this.output === 'json'
        ? report.jsonWriter(out)
        : this.output === 'yaml'
          ? await report.yamlWriter(out)
          : report.tableWriter(out, painter(out), progress.clear);
    const policy = this.policy ? `policy ${this.policy}` : selection.source;
    let summary;
    const podLevelSeen = new Set<string>();
    try {
      summary = await audit(sources, {
        scope,
        onViolations: (batch) => writer.violations(batch),
        onScanned: (ns) => podLevelSeen.add(ns),
        onProgress: (kind, s) =>
          progress.update(`auditing ${kind}: ${s.scanned} objects checked, ${s.denied} denied, ${s.warned} warned`),
      });
    } catch (error) {
      progress.clear();
      const message = `the scan stopped: ${(error as Error).message}`;
      if (this.output !== 'table') writer.end({ scanned: 0, denied: 0, warned: 0, kinds: [], rules: {} }, message);
      throw new UserError(
        message,
        /expired|410/.test(String((error as Error).message))
          ? 'the list changed too much between pages (its continue token expired): run audit again'
          : `check that ${serverOf(kc)} answers`,
      );
    }
    progress.clear();
    // Opted-in namespaces, and those where labelled pods were found (pod-level opt-in).
    const namespaces = scopes.size + [...podLevelSeen].filter((ns) => !scopes.has(ns)).length;
    writer.end({ ...summary, policy, namespaces });
    if (this.output === 'table') {
      const paint = painter(this.context.stderr);
      // A namespace's GraphDataPolicy (or a namespaceOverride) decides there, not the cluster policy: name it.
      const elsewhere = [...scopes.keys()]
        .map((ns) => ({ ns, name: selection.policyName(ns) }))
        .filter(({ name }) => name !== selection.clusterName);
      const layered = elsewhere.length
        ? `, and in ${elsewhere.length === 1 ? 'one namespace' : `${elsewhere.length} namespaces`} the policy laid over it (${elsewhere
            .slice(0, 5)
            .map(({ ns, name }) => `${name} in ${ns}`)
            .join('; ')}${elsewhere.length > 5 ? '; …' : ''})`
        : '';
      const line = `${summary.scanned} objects in ${namespaces} namespace${namespaces === 1 ? '' : 's'} checked against ${policy}${layered}: ${summary.denied} denied (Enforce), ${summary.warned} warned (Audit)`;
      this.context.stderr.write(`${summary.denied ? paint('red', line) : paint('green', line)}\n`);
    }
    return summary.denied ? 1 : 0;
  }

  /**
   * Fluid mode takes the master from the AlluxioRuntime (and Dataset) of a pod's dataset, as
   * the webhook's informers hold them: read them first, in the namespaces audited. They are
   * one per dataset, not per pod, so holding them does not grow with the pods.
   */
  private async fluidRuntimes(
    kc: import('@kubernetes/client-node').KubeConfig,
    cluster: typeof import('./cluster.js'),
    only: string | undefined,
    scopes: ReadonlyMap<string, unknown>,
  ) {
    const [{ runtimeLookupFrom }, { listPages }] = await Promise.all([
      import('../../policies/fluid-runtime.js'),
      import('./paging.js'),
    ]);
    const read = async (resource: string) => {
      const r = { group: 'data.fluid.io', version: 'v1alpha1', resource };
      const objects: import('../../policies/fluid-runtime.js').FluidObject[] = [];
      try {
        for await (const items of listPages(cluster.pageFetcher(kc, cluster.listPath(r, only), this.chunkSize)))
          for (const o of items as import('../../policies/fluid-runtime.js').FluidObject[])
            if (scopes.has(o.metadata?.namespace ?? '')) objects.push(o);
      } catch (error) {
        if (error instanceof cluster.ApiError && error.status === 404) return []; // Fluid not installed
        throw error;
      }
      return objects;
    };
    if (scopes.size === 0) return undefined;
    return runtimeLookupFrom(await read('alluxioruntimes'), await read('datasets'));
  }

  /** The namespaces the validating webhook never sees: the system ones and its own, wherever it was installed. */
  private async neverAudited(
    kc: import('@kubernetes/client-node').KubeConfig,
    cluster: typeof import('./cluster.js'),
    note: (text: string) => void,
  ): Promise<Set<string>> {
    const [{ DEFAULT_NAMESPACE, WEBHOOK_NAME }, coverage] = await Promise.all([
      import('../../common/cluster-names.js'),
      import('./coverage.js'),
    ]);
    if (this.webhookNamespace !== undefined) return coverage.neverAudited([this.webhookNamespace]);
    try {
      const configuration = await cluster.getJson(
        kc,
        `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK_NAME}`,
      );
      const excluded = coverage.namespacesExcludedBy(configuration);
      if (excluded) return coverage.neverAudited(excluded);
    } catch (error) {
      if (!(error instanceof cluster.ApiError && (error.status === 404 || error.status === 403))) throw error;
      if (error.status === 403)
        note(
          `cannot read ValidatingWebhookConfiguration ${WEBHOOK_NAME} (forbidden): assuming the webhook runs in ` +
            `${DEFAULT_NAMESPACE}; say --webhook-namespace if it does not`,
        );
    }
    return coverage.neverAudited([DEFAULT_NAMESPACE]);
  }

  /**
   * Namespace → its labels, for the namespaces the validating webhook covers (null labels:
   * not readable); `podLevel`: the other namespaces it may see labelled pods in (pod-level opt-in).
   */
  private async namespaceScopes(
    kc: import('@kubernetes/client-node').KubeConfig,
    cluster: typeof import('./cluster.js'),
    only: string | undefined,
    note: (text: string) => void,
  ): Promise<{ scopes: Map<string, Record<string, string> | null>; podLevel: Map<string, Record<string, string>> }> {
    const [{ LABEL_INJECT }, coverage] = await Promise.all([
      import('../../policies/model.js'),
      import('./coverage.js'),
    ]);
    // A tenant auditing their own namespace may not read the registration: no note for them.
    const never = await this.neverAudited(kc, cluster, only === undefined ? note : () => undefined);
    const covered = (name: string, labels: Record<string, string>) =>
      !never.has(name) && labels[LABEL_INJECT] === 'enabled';
    const scopes = new Map<string, Record<string, string> | null>();
    const podLevel = new Map<string, Record<string, string>>();
    if (only !== undefined) {
      let labels: Record<string, string> | null;
      try {
        const ns = (await cluster.getJson(kc, `/api/v1/namespaces/${encodeURIComponent(only)}`)) as {
          metadata?: { labels?: Record<string, string> };
        };
        labels = ns.metadata?.labels ?? {};
        this.noteOptInTime(only, ns, coverage, LABEL_INJECT);
      } catch (error) {
        if (error instanceof cluster.ApiError && error.status === 404)
          throw new UserError(`namespace ${only} not found`, 'check -n, or use -A for every opted-in namespace');
        if (!(error instanceof cluster.ApiError && error.status === 403)) throw error;
        // A tenant may audit their namespace without the right to read it: its labels are then unknown.
        note(`cannot read namespace ${only} (forbidden): audited as opted in, without its labels (PodSecurity level)`);
        labels = null;
      }
      if (labels && !covered(only, labels)) {
        if (never.has(only))
          note(`namespace ${only} is not covered by the validating webhook (never checked); nothing to audit`);
        else {
          note(
            `namespace ${only} is not covered by the validating webhook (no ${LABEL_INJECT}=enabled label) except for pods labelled so (pod-level opt-in): only those are audited`,
          );
          podLevel.set(only, labels);
        }
        return { scopes, podLevel };
      }
      scopes.set(only, labels);
      return { scopes, podLevel };
    }
    const { listPages } = await import('./paging.js');
    for await (const items of listPages(cluster.pageFetcher(kc, '/api/v1/namespaces', this.chunkSize))) {
      for (const item of items as { metadata?: { name?: string; labels?: Record<string, string> } }[]) {
        const name = item.metadata?.name;
        const labels = item.metadata?.labels ?? {};
        if (name && covered(name, labels)) {
          scopes.set(name, labels);
          this.noteOptInTime(name, item, coverage, LABEL_INJECT);
        } else if (name && !never.has(name)) podLevel.set(name, labels);
      }
    }
    if (scopes.size === 0)
      note(`no namespace is labelled ${LABEL_INJECT}=enabled: only pods labelled so are audited (pod-level opt-in)`);
    return { scopes, podLevel };
  }

  /** Namespace → when its opt-in label was last written (managedFields), for pods older than that. */
  private readonly optInTimes = new Map<string, string>();

  private noteOptInTime(
    name: string,
    namespace: unknown,
    coverage: typeof import('./coverage.js'),
    label: string,
  ): void {
    const at = coverage.labelWrittenAt(namespace, label);
    if (at) this.optInTimes.set(name, at);
  }

  private async policies(
    kc: import('@kubernetes/client-node').KubeConfig,
    only: string | undefined,
    namespaceLabels: (namespace: string) => Record<string, string> | undefined,
  ) {
    const [{ loadPolicyForCli }, { builtInFallback, clusterPolicies, filePolicySelection }] = await Promise.all([
      import('../cli/policy-option.js'),
      import('../kube/cluster-policies.js'),
    ]);
    if (this.policy) return filePolicySelection(await loadPolicyForCli(this.policy), this.policy);
    return clusterPolicies(
      kc,
      builtInFallback(
        await loadPolicyForCli(undefined),
        `${BUILT_IN_POLICY} (no ClusterGraphDataPolicy in the cluster)`,
      ),
      { namespace: only, chunkSize: this.chunkSize, verb: 'audited', namespaceLabels },
    );
  }
}
