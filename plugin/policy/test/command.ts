import { Command, Option } from 'clipanion';
import { BaseCommand, UserError, outputOption } from '../../cli/base.js';

export class PolicyTestCommand extends BaseCommand {
  static override paths = [['policy', 'test']];
  static override usage = Command.Usage({
    category: 'Offline',
    description: 'Run policy test suites: what admission does to each resource, compared with what they expect',
    details: `
      Finds every \`graphdata-test.yaml\` under DIR (or takes DIR as one suite file). A suite
      (apiVersion cli.graphdata.io/v1alpha1, kind PolicyTest) has these fields; paths are relative to it:

      - policies: policy files; a ClusterGraphDataPolicy is what a result runs under (none: the built-in policy), a GraphDataPolicy is laid over it in its namespace
      - resources: files with the objects to admit
      - namespaceLabels: NAMESPACE → labels, as the webhook reads them (PodSecurity level, profile selectors); a graphdata.io/inject value other than enabled makes the namespace not opted in, so only pods labelled graphdata.io/inject=enabled are served, under the cluster policy's spec.podOptIn
      - results: per resource (KIND/NAME, with namespace when ambiguous, policy NAME when there are several cluster policies): verdict allow (no warnings), warn or deny; message, a part of a warning or of the denial; injected, fields the patched resource must contain (list elements in order); patchedResource, a file with the whole patched resource; mutatingWebhookDown: true to run the validating webhook alone (the safety net); operation: UPDATE with oldResource KIND/NAME, the stored object (default: CREATE)

      Each resource is admitted as at CREATE (or the result's operation) in an opted-in namespace (else through the pod-level entries):
      pods through the mutating webhook's engine, then every kind the validating webhook receives
      through its decision on the patched object. At UPDATE pods reach neither webhook, other kinds
      reach the validating one only when spec changed, and what oldResource already broke only warns.
      The mutating webhook's warnings are capped at 15, as /mutate caps them. The code is the webhooks'
      own, so a passing suite shows what the cluster will do under that policy. Examples: examples/policy-tests in the repository.

      Exit code 0 when every result matches, 1 on any mismatch or malformed suite (reported with
      file, line and field path), 2 for usage mistakes.
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
      import('./suite.js'),
      import('./run.js'),
    ]);
    let files: string[];
    try {
      files = findSuites(this.dir);
    } catch {
      // Exit 1, as `validate -f` and kubectl for a path that is not there; 2 is for usage mistakes.
      throw new UserError(`${this.dir}: no such file or directory`, `give a directory holding ${SUITE_FILE} files`);
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
        this.output === 'json'
          ? `${JSON.stringify(body, null, 2)}\n`
          : (await import('../../output/yaml-stringify.js')).stringify(body),
      );
      return passed ? 0 : 1;
    }
    const { painter, formatDiagnostics } = await import('../../output/format.js');
    const { renderTable } = await import('./table.js');
    const out = this.context.stdout;
    const paint = painter(out);
    const malformed = reports.flatMap((r) => r.diagnostics);
    const warned = reports.flatMap((r) => r.warnings);
    if (malformed.length || warned.length)
      out.write(await formatDiagnostics([...malformed, ...warned], 'table', paint));
    if (results.length) out.write(renderTable(reports, paint));
    const line =
      `${summary.results} result${summary.results === 1 ? '' : 's'} in ${summary.suites} suite${summary.suites === 1 ? '' : 's'}: ` +
      `${summary.passed} passed, ${summary.failed} failed` +
      (summary.malformed ? `; ${summary.malformed} suite${summary.malformed === 1 ? '' : 's'} malformed` : '');
    out.write(`${passed ? paint('green', line) : paint('red', line)}\n`);
    return passed ? 0 : 1;
  }
}
