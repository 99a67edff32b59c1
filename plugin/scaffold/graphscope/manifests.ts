// `scaffold graphscope`: a namespace where GraphScope sessions run with graphdata
// injection, the RBAC its coordinator needs to launch engines, and the session / Helm
// values that point every image at one registry (offline clusters mirror it).
import { stringify } from '../../output/yaml-stringify.js';
import { LABEL_INJECT } from '../../../policies/model.js';
import { UserError } from '../../cli/base.js';
import { meta, namespacedRbac, quantity, type RbacRule } from '../objects.js';
import type { Manifest, ScaffoldResult, ScaffoldTarget } from '../types.js';

export const GRAPHSCOPE_VERSION = '0.29.0';
const PUBLIC_REGISTRY = 'registry.cn-hongkong.aliyuncs.com';
const REPOSITORY = 'graphscope';
/** Images a session pulls from `<registry>/graphscope/`. */
const COMPONENTS = ['coordinator', 'analytical', 'interactive-frontend', 'interactive-executor', 'learning'];

/**
 * What the coordinator needs to run a session: it creates the engine StatefulSet, the
 * vineyard/etcd pods and their services, drives the engines through `exec` (GraphScope's
 * MPI launcher) and deletes all of it when the session closes. Granted to the
 * coordinator's own ServiceAccount only: the engine pods it creates run as the
 * namespace's `default` account, which gets nothing, because the engines never call
 * the API.
 */
const COORDINATOR_RULES: RbacRule[] = [
  {
    apiGroups: [''],
    resources: ['pods', 'services', 'configmaps'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['pods/log', 'pods/status', 'endpoints', 'events'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments/status', 'statefulsets/status', 'replicasets'],
    verbs: ['get', 'list', 'watch'],
  },
];

export interface GraphscopeOptions {
  registry?: string | undefined;
  graphscopeVersion?: string | undefined;
  workers?: number | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
  serviceAccount?: string | undefined;
}

export function scaffoldGraphscope({ name, namespace }: ScaffoldTarget, flags: GraphscopeOptions): ScaffoldResult {
  const registry = flags.registry ?? PUBLIC_REGISTRY;
  if (!/^[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/.test(registry)) {
    throw new UserError(
      `--registry ${JSON.stringify(registry)} is not a registry host`,
      'write it like --registry registry.internal:5000',
      2,
    );
  }
  const version = flags.graphscopeVersion ?? GRAPHSCOPE_VERSION;
  if (!/^\d+\.\d+\.\d+/.test(version))
    throw new UserError(
      `--graphscope-version ${JSON.stringify(version)} is not a release version`,
      `e.g. --graphscope-version ${GRAPHSCOPE_VERSION}`,
      2,
    );
  const workers = flags.workers ?? 2;
  const cpu = quantity('--cpu', flags.cpu ?? '2');
  const memory = quantity('--memory', flags.memory ?? '8Gi');
  const serviceAccount = flags.serviceAccount ?? `${name}-coordinator`;
  if (serviceAccount === 'default')
    throw new UserError(
      "--service-account default would give every pod in the namespace the coordinator's rights",
      `omit --service-account (the scaffold creates ${name}-coordinator) or name an account of its own`,
      2,
    );

  // Keyword arguments of graphscope.session(); load with graphscope.session(**json.load(f)).
  const session = {
    k8s_namespace: namespace,
    k8s_image_registry: registry,
    k8s_image_repository: REPOSITORY,
    k8s_image_tag: version,
    k8s_image_pull_policy: 'IfNotPresent',
    k8s_service_type: 'ClusterIP',
    num_workers: workers,
    k8s_engine_cpu: cpu,
    k8s_engine_mem: memory,
    k8s_coordinator_cpu: '1',
    k8s_coordinator_mem: '4Gi',
  };
  const values = {
    imagePullPolicy: 'IfNotPresent',
    coordinator: { image: { name: `${registry}/${REPOSITORY}/coordinator`, tag: version } },
    engines: {
      num_workers: workers,
      image: { name: `${registry}/${REPOSITORY}/analytical`, tag: version },
      resources: { requests: { cpu, memory }, limits: { cpu, memory } },
    },
  };

  const namespaceObject: Manifest = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: meta(namespace, undefined, { [LABEL_INJECT]: 'enabled' }),
  };
  const rbac = namespacedRbac({
    serviceAccount,
    role: `${name}-coordinator`,
    namespace,
    createServiceAccount: true,
    rules: COORDINATOR_RULES,
  });
  const config: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${name}-graphscope`, namespace),
    // No anchors: a reader of values.yaml should see every value where it applies.
    data: {
      'session.json': `${JSON.stringify(session, null, 2)}\n`,
      'values.yaml': stringify(values),
    },
  };
  // The chart names its coordinator Deployment after Helm's fullname of the release.
  const release = name.includes('graphscope') ? name : `${name}-graphscope`;
  const notes = [
    `GraphScope ${name} in namespace ${namespace} (labelled ${LABEL_INJECT}=enabled): ${workers} engines, images ` +
      `from ${registry}.`,
    `Offline clusters: mirror ${COMPONENTS.map((c) => `${REPOSITORY}/${c}:${version}`).join(', ')} into ${registry}.`,
    `Start a session with the values in ConfigMap ${name}-graphscope (session.json), or: helm install ${name} ` +
      `graphscope/graphscope -f values.yaml`,
    `Run the coordinator as ServiceAccount ${serviceAccount} (the chart's coordinator Deployment runs as ` +
      `default: kubectl -n ${namespace} patch deployment coordinator-${release} -p ` +
      `'{"spec":{"template":{"spec":{"serviceAccountName":"${serviceAccount}"}}}}').`,
    "Engine pods run as the namespace's default ServiceAccount, which this scaffold grants nothing.",
  ];
  return { objects: [namespaceObject, ...rbac, config], notes };
}
