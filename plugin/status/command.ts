import { Command } from 'clipanion';
import { BUILT_IN_POLICY } from '../../common/cluster-names.js';
import { WebhookCommand, outputOption } from '../cli/base.js';
import type { StatusReport } from '../webhook-objects/status.js';
import type { Paint } from '../output/format.js';

export class StatusCommand extends WebhookCommand {
  static override paths = [['status']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'Show whether the webhook is installed and working',
    details: `
      Ready replicas (and the replica holding the certificate Lease), the serving certificate's days left, whether the caBundle of every webhook configuration trusts it, the opted-in namespaces (a namespace being deleted is listed apart, as terminating), the policy the webhook uses (with its snapshot generation) and the policies with their generation and the Ready condition the webhook wrote back.

      Objects install made that the registered mode does not use (the in-cluster Deployment, Service, Secrets, Lease, HPA, PDB and RBAC after a switch to \`--webhook-url\`, or everything when no webhook is registered) are listed as leftovers, and count as unhealthy.

      Exit code 0 when installed and healthy, 1 otherwise.
    `,
    examples: [
      ['Status of the default install', '$0 status'],
      ['As JSON, for monitoring', '$0 status -o json'],
    ],
  });

  output = outputOption(['table', 'json', 'yaml'], 'Output format: table|json|yaml');

  async run(): Promise<number> {
    const [{ loadKubeConfig }, { makeClients }, { gatherStatus }] = await Promise.all([
      import('../kube/kubeconfig.js'),
      import('../kube/clients.js'),
      import('../webhook-objects/status.js'),
    ]);
    const { k8s, kc } = await loadKubeConfig(this);
    const { UserError } = await import('../cli/base.js');
    const { apiErrorMessage } = await import('../kube/kubeconfig.js');
    let report: StatusReport;
    try {
      report = await gatherStatus(makeClients(k8s, kc), this.webhookNamespaceOrDefault());
    } catch (error) {
      const message = apiErrorMessage(error);
      if ((error as { code?: number }).code === 403) {
        // The cluster answered: the kubeconfig works, the user lacks a permission.
        const m = /User "([^"]*)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?/.exec(message);
        const what = m ? `${m[2]} ${m[3]}${m[4] ? ` (API group ${m[4]})` : ''}` : 'read what status reads';
        throw new UserError(
          `cannot read the cluster: permission denied${m ? ` for user ${m[1]}` : ''}: ${message}`,
          `this is a permission problem, not a connection one: your user may not ${what}. status reads the webhook configurations (cluster-wide), namespaces and the webhook's namespace: run it as a cluster admin, or ask one for get/list on these`,
        );
      }
      throw new UserError(`cannot read the cluster: ${message}`, 'check --kubeconfig and --context');
    }
    if (this.output === 'json') this.context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (this.output === 'yaml')
      this.context.stdout.write((await import('../output/yaml-stringify.js')).stringify(report));
    else {
      const { painter } = await import('../output/format.js');
      this.context.stdout.write(statusTable(report, painter(this.context.stdout)));
    }
    return report.healthy ? 0 : 1;
  }
}

/** The table `status` prints (exported for its unit test). */
export function statusTable(r: StatusReport, paint: Paint): string {
  const ok = (yes: boolean, text: string) => `${yes ? paint('green', '✓') : paint('red', '✗')} ${text}`;
  const w = r.webhook;
  const rows: [string, string][] = [
    [
      'webhook',
      w.mode === 'none'
        ? ok(false, `not installed (${w.reason}) — run \`kubectl graphdata install\``)
        : w.mode === 'url'
          ? ok(w.reachable, `outside the cluster at ${w.url}${w.reachable ? '' : ` — unreachable: ${w.error}`}`)
          : ok(
              w.ready >= 1,
              `${w.ready}/${w.replicas} replicas ready in ${r.namespace}${w.leader ? `, certificate leader ${w.leader}` : ''}`,
            ),
    ],
  ];
  if (r.certificate) {
    rows.push([
      'certificate',
      'error' in r.certificate
        ? ok(false, r.certificate.error)
        : ok(r.certificate.daysLeft > 0, `${r.certificate.daysLeft} days left (until ${r.certificate.notAfter})`),
    ]);
  }
  // Without a serving certificate there is nothing to check a caBundle against: say so, not "does NOT trust".
  const noCert = !r.certificate || 'error' in r.certificate;
  for (const b of r.caBundles) {
    rows.push([
      'caBundle',
      noCert
        ? ok(false, `${b.configuration}: not checked, no serving certificate could be read`)
        : ok(
            b.trustsServingCert,
            `${b.configuration} ${b.trustsServingCert ? 'trusts' : 'does NOT trust'} the serving certificate`,
          ),
    ]);
  }
  const terminating = r.terminatingNamespaces?.length
    ? `; terminating, not counted: ${r.terminatingNamespaces.join(', ')}`
    : '';
  rows.push([
    'namespaces',
    Array.isArray(r.optedInNamespaces)
      ? `${
          r.optedInNamespaces.length
            ? r.optedInNamespaces.join(', ')
            : 'none opted in — `kubectl graphdata enable -n NAMESPACE`'
        }${terminating}`
      : `cannot list: ${r.optedInNamespaces.error}`,
  ]);
  const pods = r.podOptIn;
  if (pods)
    rows.push([
      'pod opt-in',
      'error' in pods
        ? `cannot tell: ${pods.error}`
        : pods.selector === undefined
          ? `nowhere (${pods.policy} has no spec.podOptIn)`
          : `${pods.namespaces.join(', ') || 'no namespace'} (${pods.policy} spec.podOptIn: ${pods.selector}; pods labelled graphdata.io/inject=enabled)`,
    ]);
  const inUse = r.policyInUse;
  if (inUse) {
    rows.push([
      'policy',
      'error' in inUse
        ? `cannot ask the webhook: ${inUse.error}`
        : `${inUse.source}${inUse.generation !== undefined ? ` (snapshot ${inUse.generation})` : ''}${inUse.stale ? ` ${paint('red', 'stale')}: the policy watch is broken, the last good snapshot is served` : ''}`,
    ]);
  }
  rows.push([
    'policies',
    Array.isArray(r.policies)
      ? r.policies.length
        ? r.policies
            .map(
              (p) => `${p.namespace ? `${p.namespace}/` : ''}${p.name} (generation ${p.generation}, ${policyState(p)})`,
            )
            .join(', ')
        : `none in the cluster (the webhook uses ${BUILT_IN_POLICY}, or its --policy FILE)`
      : r.policies.error,
  ]);
  if (r.leftovers?.length) {
    rows.push([
      'leftovers',
      ok(
        false,
        w.mode === 'url'
          ? `${r.leftovers.join(', ')} in ${r.namespace}: the in-cluster webhook's, unused since the registration points at ${w.url}; \`kubectl graphdata install --webhook-url URL --ca-file FILE\` removes them once its self-test passes`
          : `${r.leftovers.join(', ')}: made by install, but no webhook is registered; \`kubectl graphdata uninstall\` removes them${keptCrds(r)}, \`install\` registers them again`,
      ),
    ]);
  }
  return rows.map(([k, v]) => `${`${k}:`.padEnd(13)}${v}\n`).join('');
}

/** What the webhook last wrote back: Ready and why, or that no webhook has seen this generation yet. */
function policyState(p: Extract<StatusReport['policies'], unknown[]>[number]): string {
  if (!p.ready) return 'no status yet';
  if (p.ready.observedGeneration !== undefined && p.ready.observedGeneration !== p.generation)
    return `status is for generation ${p.ready.observedGeneration}`;
  return `Ready ${p.ready.status}${p.ready.status === 'True' || !p.ready.reason ? '' : `: ${p.ready.reason}`}`;
}

/** uninstall keeps a policy CRD while policies of its kind exist: say to delete those first. */
function keptCrds(r: StatusReport): string {
  const crds = r.leftovers?.some((l) => l.startsWith('CustomResourceDefinition/'));
  if (!crds || !Array.isArray(r.policies) || r.policies.length === 0) return '';
  return ' (a policy CRD only once its policies, listed above, are deleted)';
}
