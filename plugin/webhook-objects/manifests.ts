// Everything `kubectl graphdata install` puts in a cluster, as objects built in code
// (never hand-kept YAML): applied by `install`, printed by `install --dry-run=client
// -o yaml`, deleted by `uninstall` and checked by `status`/`doctor`. Pure.
import { DEFAULT_CPU_LIMIT, DEFAULT_MEMORY_QUANTITY } from '../../common/memory-budget.js';
import { policyCrds } from '../../policies/policy-crds.js';
import { ENGINE_VERSION } from '../../policies/engine-version.js';
import { webhookNetworkPolicy } from './network-policy.js';
import { mutatingWebhookConfiguration, validatingWebhookConfiguration } from './registration.js';
import {
  APP_LABELS,
  APP_NAME,
  CA_SECRET,
  DEFAULT_NAMESPACE,
  HTTPS_PORT,
  LEADER_LEASE,
  MANAGED_BY,
  TLS_SECRET,
  WEBHOOK_CONFIGURATION_KINDS,
  WEBHOOK_NAME,
} from '../../common/cluster-names.js';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export type FailurePolicy = 'Ignore' | 'Fail';

export interface InstallOptions {
  namespace?: string;
  image?: string;
  replicas?: number;
  /** The webhook container's limits (default 1 CPU, 512Mi): it plans its memory and serving processes from them. */
  cpuLimit?: string;
  memoryLimit?: string;
  /** Of the mutating webhook (the validating one always fails closed). */
  failurePolicy?: FailurePolicy;
  /** A webhook running outside the cluster: only the namespace, CRDs and webhook configurations. */
  webhookUrl?: string;
  /** PEM CA bundle the webhook configurations trust. */
  caBundle: string;
  /**
   * Every webhook registered with failurePolicy Ignore, whatever is asked: how `install`
   * registers until its self-test has passed, so a webhook that does not work can never
   * lock opted-in namespaces (the validating one otherwise fails closed).
   */
  staged?: boolean;
  /**
   * With addresses (the control plane's CIDRs): a NetworkPolicy that admits only them, and the
   * webhook's own pods, to its port (network-policy.ts). Without: no NetworkPolicy.
   */
  allowFrom?: readonly string[];
  /** The serving pair and CA for the Secrets; without it (URL mode) no Secrets are made. */
  certs?: { caCert: string; caKey: string; tlsCert: string; tlsKey: string };
}

// What `docker build -t graphdata-webhook:<version>` tags. `install` asks for --image in the
// cluster, so a bundle made without one has no Deployment (--webhook-url) or is read only
// for its objects' names (leftovers, uninstall).
export const DEFAULT_IMAGE = `graphdata-webhook:${ENGINE_VERSION}`;
export const DEFAULT_REPLICAS = 2;

type BundleOptions = Required<Pick<InstallOptions, 'namespace' | 'caBundle'>> & InstallOptions;

/** Where both configurations send requests: the registration adds `/mutate` or `/validate`. */
const registration = (o: BundleOptions) => ({
  endpoint: o.webhookUrl ? { url: o.webhookUrl } : { service: { namespace: o.namespace, name: APP_NAME, port: 443 } },
  caBundle: o.caBundle,
  ownNamespace: o.namespace,
});

const managed = <T extends { metadata?: { labels?: Record<string, string> } }>(config: T): ManifestObject => {
  config.metadata!.labels = { ...config.metadata!.labels, ...MANAGED_BY };
  return config as unknown as ManifestObject;
};

/** Builders of the webhook configurations: mutating (injection) and validating (enforcement, fails closed). */
const WEBHOOK_CONFIGURATIONS: ((o: BundleOptions) => ManifestObject)[] = [
  (o) => {
    const config = mutatingWebhookConfiguration(registration(o));
    for (const hook of config.webhooks ?? []) hook.failurePolicy = o.staged ? 'Ignore' : (o.failurePolicy ?? 'Ignore');
    return managed(config);
  },
  (o) => {
    const config = validatingWebhookConfiguration(registration(o));
    if (o.staged) for (const hook of config.webhooks ?? []) hook.failurePolicy = 'Ignore';
    return managed(config);
  },
];

/** The two webhook configurations of the bundle, as `installManifests` would give them. */
export const webhookConfigurations = (options: InstallOptions): ManifestObject[] =>
  WEBHOOK_CONFIGURATIONS.map((build) => build({ ...options, namespace: options.namespace ?? DEFAULT_NAMESPACE }));

/**
 * The install bundle, in apply order: what others depend on first, the webhook
 * configurations last (so the apiserver never calls a webhook that is not there yet).
 * `uninstall` deletes in the reverse order.
 */
export function installManifests(options: InstallOptions): ManifestObject[] {
  const o = { ...options, namespace: options.namespace ?? DEFAULT_NAMESPACE };
  const ns = o.namespace;
  const meta = (name: string, namespaced = true) => ({
    name,
    ...(namespaced ? { namespace: ns } : {}),
    labels: { ...APP_LABELS, ...MANAGED_BY },
  });
  const objects: ManifestObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        ...meta(ns, false),
        labels: {
          ...meta(ns, false).labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
    ...(policyCrds().map((crd) => ({
      ...crd,
      metadata: { ...crd.metadata, labels: { ...crd.metadata.labels, ...MANAGED_BY } },
    })) as ManifestObject[]),
    ...policyClusterRoles(),
  ];
  if (!o.webhookUrl) objects.push(...inClusterObjects(o, meta));
  objects.push(...WEBHOOK_CONFIGURATIONS.map((build) => build(o)));
  return objects;
}

export const POLICY_EDIT_ROLE = 'graphdata-policy-edit';
export const POLICY_VIEW_ROLE = 'graphdata-policy-view';
const AGGREGATE = 'rbac.authorization.k8s.io/aggregate-to-';

/**
 * Who may manage policies: the built-in `admin` and `edit` roles (what a namespace's
 * owners are bound to) get namespaced `GraphDataPolicy` read/write, `view` gets read,
 * through ClusterRole aggregation. Nothing here touches `ClusterGraphDataPolicy`: its
 * limits bind every tenant, so only cluster admins write it. Nor the status
 * subresource, which the webhook writes. Part of the bundle in both install modes,
 * since it goes with the CRDs.
 */
export function policyClusterRoles(): ManifestObject[] {
  const role = (name: string, aggregateTo: string[], verbs: string[]): ManifestObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name,
      labels: {
        'app.kubernetes.io/name': 'graphdata',
        ...MANAGED_BY,
        ...Object.fromEntries(aggregateTo.map((to) => [`${AGGREGATE}${to}`, 'true'])),
      },
    },
    rules: [{ apiGroups: ['graphdata.io'], resources: ['graphdatapolicies'], verbs }],
  });
  const read = ['get', 'list', 'watch'];
  return [
    role(POLICY_EDIT_ROLE, ['admin', 'edit'], [...read, 'create', 'update', 'patch', 'delete', 'deletecollection']),
    role(POLICY_VIEW_ROLE, ['view'], read),
  ];
}

function inClusterObjects(
  o: InstallOptions & { namespace: string },
  meta: (name: string, namespaced?: boolean) => ManifestObject['metadata'],
): ManifestObject[] {
  const replicas = o.replicas ?? DEFAULT_REPLICAS;
  const selector = { ...APP_LABELS };
  const objects: ManifestObject[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(APP_NAME), automountServiceAccountToken: true },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(APP_NAME, false),
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['graphdata.io'],
          resources: ['clustergraphdatapolicies', 'graphdatapolicies'],
          verbs: ['get', 'list', 'watch'],
        },
        // It writes Ready/Invalid back to the policies, through the status subresource only.
        {
          apiGroups: ['graphdata.io'],
          resources: ['clustergraphdatapolicies/status', 'graphdatapolicies/status'],
          verbs: ['update', 'patch'],
        },
        { apiGroups: ['data.fluid.io'], resources: ['alluxioruntimes', 'datasets'], verbs: ['get', 'list', 'watch'] },
        // Its own webhook configurations only (caBundle renewal), by name.
        ...WEBHOOK_CONFIGURATION_KINDS.map((kind) => ({
          apiGroups: ['admissionregistration.k8s.io'],
          resources: [`${kind.toLowerCase()}s`],
          resourceNames: [WEBHOOK_NAME],
          verbs: ['get', 'update', 'patch'],
        })),
        // On 1.33-1.35 the ImageVolume gate is read from the apiserver's metrics (common/image-volumes.ts).
        { nonResourceURLs: ['/metrics'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(APP_NAME, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: APP_NAME },
      subjects: [{ kind: 'ServiceAccount', name: APP_NAME, namespace: o.namespace }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(APP_NAME),
      rules: [
        // Its own Secrets and Lease, by name: install creates them, so no `create` is needed.
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: [TLS_SECRET, CA_SECRET],
          verbs: ['get', 'update', 'patch'],
        },
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          resourceNames: [LEADER_LEASE],
          verbs: ['get', 'update'],
        },
        // The leader asks its peers which certificate they serve before dropping an old CA.
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(APP_NAME),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: APP_NAME },
      subjects: [{ kind: 'ServiceAccount', name: APP_NAME, namespace: o.namespace }],
    },
  ];
  if (o.certs) {
    objects.push(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(CA_SECRET),
        type: 'Opaque',
        stringData: { 'ca.crt': o.certs.caCert, 'ca.key': o.certs.caKey },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta(TLS_SECRET),
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': o.certs.tlsCert, 'tls.key': o.certs.tlsKey, 'ca.crt': o.certs.caCert },
      },
    );
  }
  objects.push(
    { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta(LEADER_LEASE), spec: {} },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(APP_NAME),
      spec: {
        selector,
        ports: [{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }],
      },
    },
    deployment(o, meta, replicas, selector),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(APP_NAME),
      spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(APP_NAME),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: APP_NAME },
        minReplicas: replicas,
        maxReplicas: Math.max(replicas * 3, 6),
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ],
      },
    },
  );
  if (o.allowFrom?.length) objects.push(webhookNetworkPolicy(meta(APP_NAME), selector, HTTPS_PORT, o.allowFrom));
  return objects;
}

function deployment(
  o: InstallOptions & { namespace: string },
  meta: (name: string) => ManifestObject['metadata'],
  replicas: number,
  selector: Record<string, string>,
): ManifestObject {
  const probe = (path: string, periodSeconds: number) => ({
    httpGet: { path, port: 'https', scheme: 'HTTPS' },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(APP_NAME),
    spec: {
      replicas,
      selector: { matchLabels: selector },
      // Never fewer ready replicas than asked for while rolling.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { ...selector, ...MANAGED_BY } },
        spec: {
          serviceAccountName: APP_NAME,
          automountServiceAccountToken: true,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65532,
            runAsGroup: 65532,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: selector },
            },
          ],
          // No preStop: on SIGTERM the server turns unready at once and drains on its own.
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'webhook',
              image: o.image ?? DEFAULT_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['--host', '0.0.0.0', '--port', String(HTTPS_PORT), '--self-managed', '--namespace', o.namespace],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                // The one memory setting: the webhook shares this limit out between its worker's
                // heap and the reviews in flight (common/memory-budget.ts, docs/webhook.md).
                {
                  name: 'GRAPHDATA_MEMORY_LIMIT',
                  valueFrom: { resourceFieldRef: { containerName: 'webhook', resource: 'limits.memory' } },
                },
                // One serving process per whole CPU, as far as the memory holds them (same file).
                {
                  name: 'GRAPHDATA_CPU_LIMIT',
                  valueFrom: { resourceFieldRef: { containerName: 'webhook', resource: 'limits.cpu', divisor: '1m' } },
                },
              ],
              ports: [{ name: 'https', containerPort: HTTPS_PORT, protocol: 'TCP' }],
              livenessProbe: probe('/healthz', 10),
              readinessProbe: probe('/readyz', 5),
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: o.cpuLimit ?? DEFAULT_CPU_LIMIT, memory: o.memoryLimit ?? DEFAULT_MEMORY_QUANTITY },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
        },
      },
    },
  };
}
