import { Command, Option } from 'clipanion';
import { BaseCommand, UserError, outputOption } from '../base.js';

export class PolicyTestCommand extends BaseCommand {
  static override paths = [['policy', 'test']];
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Run policy test suites: what admission does to each resource, compared with what they expect',
    details: `
      Finds every \`graphdata-test.yaml\` under DIR (or takes DIR as one suite file). A suite names
      policy files (none: the built-in policy), resource files, and per resource what admission
      must do when it is created in an opted-in namespace:

        apiVersion: cli.graphdata.io/v1alpha1
        kind: PolicyTest
        metadata: {name: spark-alluxio}
        policies: [policy.yaml]
        resources: [pods.yaml]
        namespaceLabels:                 # per namespace, as the webhook would read them
          analytics: {pod-security.kubernetes.io/enforce: baseline}
        results:
          - resource: Pod/wordcount-exec # KIND/NAME in the resource files (namespace: NS if ambiguous)
            verdict: allow               # allow (no warnings) | warn | deny
            message: registry-not-allowed # with warn or deny: part of a warning or of the denial
            injected: {...}              # fields the patched resource must contain (lists: in order)
            patchedResource: wordcount-exec.injected.yaml   # or the whole patched resource
            policy: NAME                 # when the suite lists several policies
            mutatingWebhookDown: true    # only the validating webhook runs (the safety net)

      Pods go through the mutating webhook's engine, then every kind the validating webhook
      receives goes through its decision on the patched object: the same code the webhook
      runs, so a suite that passes here shows what the cluster will do under that policy.
      Paths in a suite are relative to its file.

      Exit code 0 when every result matches, 1 on any mismatch or malformed suite (reported
      with file, line and field path), 2 for usage mistakes.
    `,
    examples: [
      ['Run the shipped suites', '$0 policy test examples/policy-tests'],
      ['One suite, as JSON', '$0 policy test examples/policy-tests/spark-alluxio/graphdata-test.yaml -o json'],
    ],
  });

  dir = Option.String({ name: 'DIR', required: true });
  output = outputOption(['table', 'json', 'yaml']);

  async run(): Promise<number> {
    const [{ findSuites, loadSuite, SUITE_FILE }, { runSuite }] = await Promise.all([
      import('../policy-test/suite.js'),
      import('../policy-test/run.js'),
    ]);
    let files: string[];
    try {
      files = findSuites(this.dir);
    } catch {
      throw new UserError(`${this.dir}: no such file or directory`, `give a directory holding ${SUITE_FILE} files`, 2);
    }
    if (files.length === 0)
      throw new UserError(`no ${SUITE_FILE} under ${this.dir}`, `write one (see kubectl graphdata policy test --help)`);
    const reports = [];
    for (const file of files) reports.push(runSuite(await loadSuite(file)));
    const results = reports.flatMap((r) => r.results);
    const summary = {
      suites: reports.length,
      malformed: reports.filter((r) => r.diagnostics.length).length,
      results: results.length,
      passed: results.filter((r) => r.passed).length,
      failed: results.filter((r) => !r.passed).length,
    };
    const passed = summary.failed === 0 && summary.malformed === 0;
    if (this.output !== 'table') {
      const body = { passed, summary, suites: reports };
      this.context.stdout.write(
        this.output === 'json' ? `${JSON.stringify(body, null, 2)}\n` : (await import('yaml')).stringify(body),
      );
      return passed ? 0 : 1;
    }
    const { painter, formatDiagnostics } = await import('../output.js');
    const { renderTable } = await import('../policy-test/table.js');
    const out = this.context.stdout;
    const paint = painter(out);
    const malformed = reports.flatMap((r) => r.diagnostics);
    if (malformed.length) out.write(await formatDiagnostics(malformed, 'table', paint));
    if (results.length) out.write(renderTable(reports, paint));
    const line =
      `${summary.results} result${summary.results === 1 ? '' : 's'} in ${summary.suites} suite${summary.suites === 1 ? '' : 's'}: ` +
      `${summary.passed} passed, ${summary.failed} failed` +
      (summary.malformed ? `; ${summary.malformed} suite${summary.malformed === 1 ? '' : 's'} malformed` : '');
    out.write(`${passed ? paint('green', line) : paint('red', line)}\n`);
    return passed ? 0 : 1;
  }
}
