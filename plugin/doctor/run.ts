// `doctor`: everything graphdata relies on in a cluster, each as ✓ or ✗ with a fix.
// A check that cannot be made (no permission, API missing) is a ✗ that says so.
import type { PolicySelection } from '../kube/cluster-policies.js';
import { type PlacementMode, resolveSpec } from '../../policies/model.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import { type Check, daysLeft, fail, pass } from '../output/checks.js';
import type { Clients } from '../kube/clients.js';
import { gatherStatus, type StatusReport } from '../webhook-objects/status.js';
import { registrationFindings } from '../webhook-objects/registration-check.js';
import { WEBHOOK_NAME } from '../../common/cluster-names.js';
import { LABEL_INJECT } from '../../policies/model.js';
import { fetchWebhookVersion } from '../kube/webhook-version.js';

const CRDS: { name: string; crds: string[]; hint: string }[] = [
  {
    name: 'Spark operator CRD',
    crds: ['sparkapplications.sparkoperator.k8s.io'],
    hint: 'install the Spark operator (helm install spark-operator spark-operator/spark-operator) if tenants use SparkApplication',
  },
  {
    name: 'StarRocks CRDs',
    crds: ['starrocksclusters.starrocks.com', 'computenodegroups.starrocks.com'],
    hint: 'install the StarRocks operator (helm install starrocks starrocks/kube-starrocks) if tenants run CN pools',
  },
  {
    name: 'Fluid CRDs',
    crds: ['datasets.data.fluid.io', 'alluxioruntimes.data.fluid.io'],
    hint: 'install Fluid (helm install fluid fluid/fluid) to use cache: fluid and dataset autoscaling',
  },
  {
    name: 'graphdata policy CRDs',
    crds: ['clustergraphdatapolicies.graphdata.io', 'graphdatapolicies.graphdata.io'],
    hint: 'run `kubectl graphdata install`',
  },
];

/** Placement modes under which a pod can only run on the labelled nodes. */
const HARD_PLACEMENT: readonly PlacementMode[] = ['nodeSelector', 'required'];

const labelSelector = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

/**
 * `policies`: what the webhook would use (the cluster's policy objects, or --policy FILE):
 * the cluster policy's node labels, and each opted-in namespace's own socket mode.
 */
export async function runDoctor(c: Clients, namespace: string, policies: PolicySelection): Promise<Check[]> {
  const policy = policies.cluster;
  const checks: Check[] = [];
  const guard = async (name: string, hint: string, fn: () => Promise<Check | Check[]>) => {
    try {
      checks.push(...[await fn()].flat());
    } catch (error) {
      checks.push(fail(name, `cannot check: ${apiErrorMessage(error)}`, hint));
    }
  };

  await guard('Kubernetes version', 'check --kubeconfig and --context', async () => {
    const version = await c.kc.makeApiClient(c.k8s.VersionApi).getCode();
    const minor = Number.parseInt(version.minor, 10);
    return Number(version.major) > 1 || minor >= 23
      ? pass('Kubernetes version', `${version.gitVersion} (HPA autoscaling/v2 is served)`)
      : fail(
          'Kubernetes version',
          `${version.gitVersion}: the HorizontalPodAutoscaler API autoscaling/v2 needs 1.23 or newer`,
          'upgrade the cluster to Kubernetes 1.23 or newer',
        );
  });

  await guard('image volumes', 'you need get on /version and /metrics', () =>
    import('./image-volume-check.js').then((m) => m.imageVolumeCheck(c.kc, policy, policies.clusterName)),
  );

  const ext = c.kc.makeApiClient(c.k8s.ApiextensionsV1Api);
  for (const group of CRDS) {
    await guard(group.name, 'you need get on customresourcedefinitions', async () => {
      const missing: string[] = [];
      for (const name of group.crds) {
        try {
          await ext.readCustomResourceDefinition({ name });
        } catch (error) {
          if ((error as { code?: number }).code === 404) missing.push(name);
          else throw error;
        }
      }
      return missing.length
        ? fail(group.name, `missing ${missing.join(', ')}`, group.hint)
        : pass(group.name, group.crds.join(', '));
    });
  }

  const { mode, nodeLabels: labels } = policy.spec.placement;
  const selector = labelSelector(labels);
  let cacheNodes: string[] = [];
  await guard('Alluxio nodes', 'you need list on nodes', async () => {
    const nodes = await c.core.listNode({ labelSelector: selector });
    cacheNodes = nodes.items.map((n) => n.metadata!.name!);
    const hard = HARD_PLACEMENT.includes(mode);
    if (cacheNodes.length) {
      const only = hard
        ? `; placement.mode ${mode}: the pods the webhook places (executors, CN, engines) run on these nodes only`
        : '';
      return pass('Alluxio nodes', `${cacheNodes.length} node(s) labelled ${selector}${only}`);
    }
    const label = `label the nodes that run Alluxio workers: kubectl label node NODE ${selector}`;
    return hard
      ? fail(
          'Alluxio nodes',
          `no node is labelled ${selector} (placement.nodeLabels of ${policies.clusterName}): ` +
            `placement.mode ${mode} keeps executors and CN pods placed by the webhook Pending`,
          `${label}; or set placement.mode preferred, so that pods run elsewhere until then`,
        )
      : fail(
          'Alluxio nodes',
          `no node is labelled ${selector} (placement.nodeLabels of ${policies.clusterName}): ` +
            `pods still run (placement.mode ${mode}), but away from the cache`,
          label,
        );
  });
  // Profiles may ask for required placement on labels of their own: a pod picking one
  // would wait Pending for nodes that do not exist.
  const stranding = Object.keys(policy.profiles)
    .map((profile) => ({ profile, placement: resolveSpec(policy, profile).placement }))
    .filter(({ placement }) => HARD_PLACEMENT.includes(placement.mode) && Object.keys(placement.nodeLabels).length);
  if (stranding.length) {
    await guard('profile placement', 'you need list on nodes', async () => {
      const stuck: string[] = [];
      for (const { profile, placement } of stranding) {
        const wanted = labelSelector(placement.nodeLabels);
        const nodes = await c.core.listNode({ labelSelector: wanted });
        if (nodes.items.length === 0) stuck.push(`${profile} (placement.mode ${placement.mode}, ${wanted})`);
      }
      return stuck.length
        ? fail(
            'profile placement',
            `no node matches the required placement of profile ${stuck.join(', ')}: its pods stay Pending`,
            "label nodes to match, or set the profile's placement.mode to preferred",
          )
        : pass(
            'profile placement',
            `the required placement of ${stranding.map((s) => s.profile).join(', ')} matches labelled nodes`,
          );
    });
  }
  await guard('Alluxio workers', 'you need list on pods in all namespaces', async () => {
    const pods = await c.core.listPodForAllNamespaces({ labelSelector: 'role=alluxio-worker' });
    const running = pods.items.filter((p) => p.status?.phase === 'Running');
    const on = new Set(running.map((p) => p.spec?.nodeName));
    const bare = cacheNodes.filter((n) => !on.has(n));
    if (running.length === 0) {
      return fail(
        'Alluxio workers',
        'no running pod labelled role=alluxio-worker',
        'install Alluxio with its Helm chart (helm install alluxio alluxio-charts/alluxio), or use cache: fluid',
      );
    }
    return bare.length
      ? fail(
          'Alluxio workers',
          `labelled nodes without a running worker: ${bare.join(', ')}`,
          `run a worker there, or remove the label: kubectl label node NODE ${Object.keys(labels)[0]}-`,
        )
      : pass('Alluxio workers', `${running.length} running worker(s), one on every labelled node`);
  });

  // Each opted-in namespace's effective policy says whether it mounts the socket from a PVC.
  await guard('domain-socket PVC', 'you need list on namespaces and persistentvolumeclaims', async () => {
    const opted = await c.core.listNamespace({ labelSelector: 'graphdata.io/inject=enabled' });
    const without: string[] = [];
    const claims = new Set<string>();
    for (const ns of opted.items.map((n) => n.metadata!.name!)) {
      const pvc = policies.policyFor(ns).spec.alluxio.domainSocket.persistentVolumeClaim;
      if (!pvc) continue;
      claims.add(pvc);
      const present = await c.core.listNamespacedPersistentVolumeClaim({ namespace: ns });
      if (!present.items.some((cl) => cl.metadata?.name === pvc)) without.push(`${ns} (${pvc})`);
    }
    if (claims.size === 0)
      return pass(
        'domain-socket PVC',
        `not needed: the policy mounts hostPath ${policy.spec.alluxio.domainSocket.hostPath}` +
          (opted.items.length ? ' in every opted-in namespace' : ''),
      );
    return without.length
      ? fail(
          'domain-socket PVC',
          `missing in ${without.join(', ')}`,
          "create the PVC named there, bound to the worker's socket volume, in each of them",
        )
      : pass('domain-socket PVC', `PVC ${[...claims].join(', ')} exists in every opted-in namespace that uses one`);
  });

  const apiregistration = c.kc.makeApiClient(c.k8s.ApiregistrationV1Api);
  const apiService = async (name: string) => {
    try {
      const svc = await apiregistration.readAPIService({ name });
      return svc.status?.conditions?.find((cd) => cd.type === 'Available');
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  };
  await guard('metrics-server', 'you need get on apiservices', async () => {
    const available = await apiService('v1beta1.metrics.k8s.io');
    return available?.status === 'True'
      ? pass('metrics-server', 'metrics.k8s.io is available (CPU autoscaling works)')
      : fail(
          'metrics-server',
          available
            ? `metrics.k8s.io not available: ${available.message ?? available.reason}`
            : 'metrics.k8s.io is not registered',
          'install metrics-server (the kubernetes-sigs/metrics-server project: its components.yaml, applied with kubectl apply -f)',
        );
  });
  await guard('custom metrics API', 'you need get on apiservices', async () => {
    const available = await apiService('v1beta1.custom.metrics.k8s.io');
    if (available?.status !== 'True') {
      return fail(
        'custom metrics API',
        available
          ? `custom.metrics.k8s.io not available: ${available.message ?? available.reason}`
          : 'custom.metrics.k8s.io is not registered',
        'install prometheus-adapter with the rule `kubectl graphdata scaffold dataset` writes, so Fluid datasets can scale on capacity_used_rate',
      );
    }
    const resources = (await c.kc
      .makeApiClient(c.k8s.CustomObjectsApi)
      .getAPIResources({ group: 'custom.metrics.k8s.io', version: 'v1beta1' })) as { resources?: { name: string }[] };
    return (resources.resources ?? []).some((r) => r.name.endsWith('/capacity_used_rate'))
      ? pass('custom metrics API', 'serves capacity_used_rate')
      : fail(
          'custom metrics API',
          'custom.metrics.k8s.io does not serve capacity_used_rate',
          'add the prometheus-adapter rule from `kubectl graphdata scaffold dataset` and check that Prometheus scrapes Fluid',
        );
  });

  const status = await gatherStatus(c, namespace);
  const w = status.webhook;
  if (w.mode === 'none') {
    checks.push(fail('webhook', `not installed (${w.reason})`, 'run `kubectl graphdata install`'));
  } else if (w.mode === 'url') {
    checks.push(
      w.reachable
        ? pass('webhook', `reachable at ${w.url}`)
        : fail(
            'webhook',
            `${w.url} is unreachable: ${w.error}`,
            'start the webhook there, or run `kubectl graphdata install` for an in-cluster one',
          ),
    );
  } else {
    await guard('webhook', 'you need get on services/proxy', async () => {
      const body = await c.core.connectGetNamespacedServiceProxyWithPath({
        name: 'https:graphdata-webhook:443',
        namespace,
        path: 'readyz',
      });
      return pass(
        'webhook',
        `reachable through Service ${namespace}/graphdata-webhook (readyz: ${String(body).trim() || 'ok'})`,
      );
    }).catch(() => undefined);
    const last = checks.at(-1);
    if (last?.name === 'webhook' && !last.ok) {
      last.hint = `${w.ready}/${w.replicas} replicas ready; check kubectl get pods -n ${namespace} -l app.kubernetes.io/name=graphdata, and that no NetworkPolicy blocks the apiserver from port 8443`;
    }
  }

  if (w.mode !== 'none') {
    await guard(
      'registration',
      'you need get on mutatingwebhookconfigurations and validatingwebhookconfigurations',
      () => registrationCheck(c, namespace, status.podOptIn),
    );
    // The webhook says what it found wrong with what it serves (a supplied key others can read).
    const version = await fetchWebhookVersion(c.k8s, c.kc);
    for (const warning of version.found ? (version.warnings ?? []) : []) {
      checks.push(fail('serving key', warning, 'restrict the key file to its owner and restart the webhook'));
    }
  }

  const cert = status.certificate;
  if (!cert || 'error' in cert) {
    checks.push(
      fail(
        'certificates',
        cert ? cert.error : 'no serving certificate (not installed)',
        'run `kubectl graphdata install`',
      ),
    );
  } else {
    const untrusting = status.caBundles.filter((b) => !b.trustsServingCert).map((b) => b.configuration);
    const left = daysLeft(new Date(cert.notAfter));
    checks.push(
      untrusting.length
        ? fail(
            'certificates',
            `the caBundle of ${untrusting.join(', ')} does not trust the serving certificate`,
            'run `kubectl graphdata certs rotate`',
          )
        : left < 30
          ? fail(
              'certificates',
              `${left} days left`,
              'run `kubectl graphdata certs rotate`; check the webhook logs for why the leader did not renew',
            )
          : pass('certificates', `${left} days left, trusted by every caBundle`),
    );
  }
  return checks;
}

/**
 * Every entry of both webhook configurations as install registers them: the
 * namespace-level ones and the pod-level ones (pods labelled for injection outside
 * opted-in namespaces, where the cluster policy's podOptIn allows it).
 */
async function registrationCheck(c: Clients, namespace: string, podOptIn: StatusReport['podOptIn']): Promise<Check> {
  const read = <T>(p: Promise<T>) =>
    p.catch((error: unknown) => {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    });
  const [mutating, validating] = await Promise.all([
    read(c.admission.readMutatingWebhookConfiguration({ name: WEBHOOK_NAME })),
    read(c.admission.readValidatingWebhookConfiguration({ name: WEBHOOK_NAME })),
  ]);
  const hint =
    'run `kubectl graphdata install` again (with the same --webhook-url for a webhook outside the cluster); ' +
    'if a GitOps tool applies the configurations, update its copy from `install --dry-run=client -o yaml`';
  if (!validating)
    return fail('registration', `no ValidatingWebhookConfiguration ${WEBHOOK_NAME}: nothing is enforced`, hint);
  const findings = registrationFindings({ ...(mutating ? { mutating } : {}), validating }, namespace);
  const entries = (mutating?.webhooks?.length ?? 0) + (validating.webhooks?.length ?? 0);
  if (findings.length === 0)
    return pass(
      'registration',
      `the ${entries} entries of both webhook configurations are as install registers them, the pod-level ones included`,
    );
  const listed = findings.map((f) => `${f.configuration} ${WEBHOOK_NAME} entry ${f.entry}: ${f.problem}`).join('; ');
  let effect = '';
  const podLevel = findings.filter((f) => f.podLevel);
  if (podLevel.length) {
    // The mutating entry injects them; the validating one checks them (its safety net
    // denies a labelled pod that came without injection, while not-injected is enforced).
    const what = [
      ...(podLevel.some((f) => f.configuration === 'MutatingWebhookConfiguration')
        ? ['not injected (the safety net denies them while it enforces not-injected)']
        : []),
      ...(podLevel.some((f) => f.configuration === 'ValidatingWebhookConfiguration')
        ? ['not checked against the policy']
        : []),
    ].join(' and ');
    if (!podOptIn || 'error' in podOptIn)
      effect = `; pods labelled ${LABEL_INJECT}=enabled outside opted-in namespaces are ${what}`;
    else if (podOptIn.namespaces.length)
      effect = `; pods labelled ${LABEL_INJECT}=enabled in ${podOptIn.namespaces.join(', ')} (podOptIn of ${podOptIn.policy}) are ${what}`;
    else effect = `; no namespace allows pod-level opt-in now (${podOptIn.policy}), so no pod depends on it yet`;
  }
  return fail('registration', `${listed}${effect}`, hint);
}
