// `scaffold graphscope`: a namespace where GraphScope sessions run with graphdata
// injection, the RBAC its coordinator needs to launch engines, and the session / Helm
// values that point every image at one registry (offline clusters mirror it).
import { stringify } from 'yaml';
import { LABEL_INJECT } from '../../policies/model.js';
import { UserError } from '../base.js';
import { MANAGE_VERBS, meta, namespacedRbac, quantity } from './objects.js';
import type { Manifest, ScaffoldBuilder } from './types.js';

export const GRAPHSCOPE_VERSION = '0.29.0';
const PUBLIC_REGISTRY = 'registry.cn-hongkong.aliyuncs.com';
const REPOSITORY = 'graphscope';
/** Images a session pulls from `<registry>/graphscope/`. */
const COMPONENTS = ['coordinator', 'analytical', 'interactive-frontend', 'interactive-executor', 'learning'];

/** What the coordinator creates and cleans up per session (engines, vineyard, etcd, services). */
const COORDINATOR_RULES = [
  {
    apiGroups: [''],
    resources: [
      'pods',
      'pods/log',
      'pods/exec',
      'pods/status',
      'services',
      'endpoints',
      'configmaps',
      'events',
      'persistentvolumeclaims',
    ],
    verbs: MANAGE_VERBS,
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'deployments/status', 'statefulsets', 'replicasets'],
    verbs: MANAGE_VERBS,
  },
];

export const scaffoldGraphscope: ScaffoldBuilder = ({ name, namespace, flags }) => {
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
  const serviceAccount = flags.serviceAccount ?? 'default';

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
    createServiceAccount: serviceAccount !== 'default',
    rules: COORDINATOR_RULES,
  });
  const config: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${name}-graphscope`, namespace),
    data: { 'session.json': `${JSON.stringify(session, null, 2)}\n`, 'values.yaml': stringify(values) },
  };
  const notes = [
    `GraphScope ${name} in namespace ${namespace} (labelled ${LABEL_INJECT}=enabled): ${workers} engines, images from ${registry}.`,
    `Offline clusters: mirror ${COMPONENTS.map((c) => `${REPOSITORY}/${c}:${version}`).join(', ')} into ${registry}.`,
    `Start a session with the values in ConfigMap ${name}-graphscope (session.json), or: helm install ${name} graphscope/graphscope -f values.yaml`,
  ];
  return { objects: [namespaceObject, ...rbac, config], notes };
};
