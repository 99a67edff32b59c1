import { Command, Option } from 'clipanion';
import type { Diagnostic } from '../../policies/diagnostics.js';
import { GraphdataCommand, UserError, outputOption, namespaceOption } from '../cli/base.js';

export class ValidateCommand extends GraphdataCommand {
  static override paths = [['validate']];
  override namespace = namespaceOption(
    'Namespace of objects that name none (default: default; with --server, the context namespace)',
  );
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Check manifests against the policy and the known misconfigurations',
    details: `
      Reads SparkApplications, StarRocksClusters, legacy ComputeNodeGroups, Fluid
      Datasets/AlluxioRuntimes, HPAs, Pods and pod templates (multi-document YAML or
      JSON) and reports every finding with file, line, column, field path and what to
      change: placeholder FE addresses and images, minReplicas > maxReplicas, removed
      autoscaling/v2beta2, socket path and client jar mismatches, executors kept off
      the cache nodes, hard-coded 19998 under Fluid, missing volumes, the policy's limits.

      Pods and pod templates also go through the injection engine: every warning
      \`inject\` would print (no target container, a clash with what the pod has, an
      unknown profile, a floating image) is a finding here. graphdata's own policy
      documents are checked as --policy checks them.

      Built-in kinds (Pods, workloads, Services, ConfigMaps, Secrets, RBAC, PDBs,
      NetworkPolicies, HPAs…) are checked against the Kubernetes v1.37.2 OpenAPI schemas:
      a misspelt field is an error with a did-you-mean. A Helm template gets one error
      saying to run \`helm template\` first. What only the cluster decides (a Fluid
      runtime's readiness) is an info finding, not silence.

      An apiVersion or kind that a group graphdata knows does not serve is an error
      (sparkoperator.k8s.io/v1beta1, a Pod in v2); objects of other API groups are
      listed once per group as not checked.

      KubeVela Applications (core.oam.dev/v1beta1): component and trait types are
      checked against the ComponentDefinitions and TraitDefinitions given with -f, or
      with --server read from the Application's namespace and vela-system; properties
      against each definition's CUE \`parameter\` schema (unknown, missing, wrongly
      typed, with a did-you-mean). The schema reader takes a subset of CUE (types,
      defaults, enums, bounds, structs, lists, [string] patterns, #Definitions,
      fields under if FIELD == value); a
      definition using anything else has its properties reported not checked, never
      guessed. Components of graphdata's own definitions (scaffold vela-definitions,
      unedited) are rendered with the graphdata trait and checked as the
      SparkApplication, StarRocksCluster or StatefulSet they make, at the Application's
      lines; other components are not rendered (an info finding). See docs/kubevela.md.

      Each rule follows the policy's mode, or its own in spec.ruleModes. Enforce: the
      validating webhook denies what is an error here, with the same text. Audit: it
      admits it with a warning (and the policy's limits are warnings here too).

      Exit code 0 when there are no errors (with --strict: no warnings and nothing
      left unchecked or unrendered either), 1 otherwise
      (also when the input holds no objects at all), 2 for usage mistakes. --server also
      asks the cluster for a dry-run create of each object, so the apiserver, the CRDs
      and admission webhooks check it as well; when the cluster cannot be asked, the
      offline findings are printed, then why, and the exit code is 1.
    `,
    examples: [
      ['Validate a manifest', '$0 validate -f cn.yaml'],
      ['Validate a directory, failing on warnings too', '$0 validate -f manifests/ --strict'],
      ['Check against a policy file and print JSON', '$0 validate -f spark.yaml --policy policy.yaml -o json'],
      ['Let the cluster dry-run the objects as well', '$0 validate -f spark.yaml --server -n analytics'],
      ['Check a KubeVela Application against its definitions', '$0 validate -f app.yaml -f defs.yaml'],
      ['Validate what kubectl has', 'kubectl get sparkapplication wordcount -o yaml | $0 validate -f -'],
    ],
  });

  files = Option.Array('-f,--filename', [], { description: 'File, directory or - (stdin) with manifests; repeatable' });
  policy = Option.String('--policy', { description: 'Policy file (default: the built-in policy)' });
  server = Option.Boolean('--server', false, {
    description: 'Also dry-run create each object on the cluster (uses --kubeconfig, --context, -n)',
  });
  strict = Option.Boolean('--strict', false, {
    description:
      'Exit 1 on warnings too, on objects of API groups graphdata does not check, and on components it cannot check or render',
  });
  output = outputOption(['table', 'json', 'yaml']);

  async run(): Promise<number> {
    const [{ readInputs }, { loadPolicyForCli }, { validateSources, sortDiagnostics }] = await Promise.all([
      import('../documents/input.js'),
      import('../cli/policy-option.js'),
      import('./sources.js'),
    ]);
    const inputs = await readInputs(this.files, this.context.stdin);
    const policy = await loadPolicyForCli(this.policy);
    let serverFailure: UserError | undefined;
    // KubeVela definitions from the cluster, where KubeVela looks: before the offline checks use them.
    let velaDefinitions: import('./vela-applications.js').ClusterDefinitions | undefined;
    if (this.server) {
      const vela = await import('./vela-cluster-definitions.js');
      if (vela.namesApplications(inputs))
        velaDefinitions = await vela
          .readClusterDefinitions(inputs, {
            kubeconfig: this.kubeconfig,
            kubeContext: this.kubeContext,
            namespace: this.namespace,
          })
          .catch((error: unknown) => {
            if (!(error instanceof UserError)) throw error;
            serverFailure = error;
            return undefined;
          });
    }
    const report = validateSources(inputs, policy, { namespace: this.namespace, velaDefinitions });
    // The policy given must pass its own limits, or the webhook refuses the pods it injects.
    if (this.policy)
      report.diagnostics.push(
        ...(await import('../cli/policy-self-findings.js')).policySelfFindings(this.policy, policy),
      );
    if (report.objects === 0 && report.diagnostics.length === 0) throw noObjects(this.files, inputs);
    if (this.server && !serverFailure) {
      const { serverDryRun } = await import('./server-dry-run.js');
      const dryRun = await serverDryRun(report.documents, {
        kubeconfig: this.kubeconfig,
        kubeContext: this.kubeContext,
        namespace: this.namespace,
      });
      report.diagnostics.push(...dryRun.diagnostics);
      serverFailure = dryRun.failure;
    }
    // --strict: what graphdata could not check fails the run, like any warning.
    const diagnostics = sortDiagnostics(
      this.strict
        ? report.diagnostics.map((d) =>
            d.code === 'not-checked' || d.code === 'not-rendered' ? { ...d, severity: 'error' as const } : d,
          )
        : report.diagnostics,
      inputs.map((i) => i.file),
    );
    const summary = summarize(diagnostics, report.documents.length, report.files);
    const failed = serverFailure !== undefined || summary.errors > 0 || (this.strict && summary.warnings > 0);
    await this.print(diagnostics, summary, !failed);
    // The offline findings stand on their own; the cluster's failure comes after them, and fails the run.
    if (serverFailure) {
      this.printError(serverFailure.message, serverFailure.hint);
      return 1;
    }
    return failed ? 1 : 0;
  }

  private async print(diagnostics: Diagnostic[], summary: Summary, valid: boolean): Promise<void> {
    const out = this.context.stdout;
    if (this.output === 'json') {
      out.write(`${JSON.stringify({ valid, summary, diagnostics }, null, 2)}\n`);
      return;
    }
    if (this.output === 'yaml') {
      out.write((await import('../output/yaml-stringify.js')).stringify({ valid, summary, diagnostics }));
      return;
    }
    // The findings are this command's output, so table mode writes them to stdout too.
    const { formatDiagnostics, painter } = await import('../output/format.js');
    const paint = painter(out);
    out.write(await formatDiagnostics(diagnostics, 'table', paint));
    const line = summaryLine(summary);
    out.write(
      `${summary.errors ? paint('red', line) : summary.warnings ? paint('yellow', line) : paint('green', line)}\n`,
    );
  }
}

/** kubectl's "no objects passed to apply": in CI, an empty pipe must not pass as a clean result. */
function noObjects(paths: readonly string[], inputs: readonly { file: string }[]): UserError {
  const hint = paths.includes('-')
    ? 'standard input held no objects (empty, only comments, or an empty List): did the command before the pipe fail?'
    : inputs.length === 0
      ? `${paths.join(', ')} holds no .yaml, .yml or .json files`
      : `${inputs.map((i) => i.file).join(', ')}: only comments, empty documents or empty Lists`;
  return new UserError('no objects passed to validate', hint);
}

interface Summary {
  errors: number;
  warnings: number;
  infos: number;
  documents: number;
  files: number;
}

function summarize(diagnostics: readonly Diagnostic[], documents: number, files: number): Summary {
  const count = (s: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === s).length;
  return { errors: count('error'), warnings: count('warning'), infos: count('info'), documents, files };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "2 errors, 1 warning in 3 documents". */
export function summaryLine(s: Summary): string {
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')} in ${plural(s.documents, 'document')}`;
}
