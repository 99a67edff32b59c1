// StarRocks: StarRocksCluster starrocks.com/v1 (CN spec essentials) and the legacy
// ComputeNodeGroup starrocks.com/v1alpha1.
import { closed, enumOf, envVar, int, known, quantityMap, resources, str, stringMap, type Schema } from './common.js';

const hpaPolicy: Schema = {
  type: 'object',
  properties: {
    metrics: { type: 'array', items: { type: 'object', required: ['type'] } },
    behavior: { type: 'object' },
  },
};

const CN_FIELDS = [
  'affinity',
  'annotations',
  'args',
  'autoScalingPolicy',
  'capabilities',
  'claims',
  'cnEnvVars',
  'command',
  'configMapInfo',
  'configMaps',
  'hostAliases',
  'image',
  'imagePullPolicy',
  'imagePullSecrets',
  'initContainers',
  'lifecycle',
  'limits',
  'livenessProbeFailureSeconds',
  'minReadySeconds',
  'nodeSelector',
  'persistentVolumeClaimRetentionPolicy',
  'podLabels',
  'podManagementPolicy',
  'readOnlyRootFilesystem',
  'readinessProbeFailureSeconds',
  'replicas',
  'requests',
  'runAsNonRoot',
  'schedulerName',
  'secrets',
  'service',
  'serviceAccount',
  'shareProcessNamespace',
  'sidecars',
  'startupProbeFailureSeconds',
  'storageVolumes',
  'sysctls',
  'terminationGracePeriodSeconds',
  'tolerations',
  'topologySpreadConstraints',
  'updateStrategy',
] as const;

const starRocksCnSpec: Schema = closed(
  known(CN_FIELDS, {
    image: { type: 'string', minLength: 1 },
    replicas: int(0),
    requests: quantityMap,
    limits: quantityMap,
    nodeSelector: stringMap,
    podLabels: stringMap,
    annotations: stringMap,
    cnEnvVars: { type: 'array', items: envVar },
    configMapInfo: closed({ configMapName: str, resolveKey: str }),
    storageVolumes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'mountPath'],
        properties: { name: str, mountPath: str, storageSize: str },
      },
    },
    autoScalingPolicy: closed(
      { version: enumOf('v1', 'v2', 'v2beta2'), minReplicas: int(1), maxReplicas: int(1), hpaPolicy },
      { required: ['maxReplicas'] },
    ),
  }),
);

const component: Schema = {
  type: 'object',
  properties: { image: str, replicas: int(0), requests: quantityMap, limits: quantityMap, nodeSelector: stringMap },
};

export const starRocksClusterSpecSchema: Schema = closed({
  starRocksFeSpec: component,
  starRocksBeSpec: component,
  starRocksCnSpec,
  starRocksFeProxySpec: component,
  serviceAccount: str,
  disasterRecovery: { type: 'object' },
  waitForFullRollout: { type: 'boolean' },
});

export const computeNodeGroupSpecSchema: Schema = closed(
  {
    cnInfo: closed({ configMap: str }),
    feInfo: closed(
      { accountSecret: { type: 'string', minLength: 1 }, addresses: { type: 'array', minItems: 1, items: str } },
      { required: ['accountSecret', 'addresses'] },
    ),
    images: closed({ cnImage: { type: 'string', minLength: 1 }, componentsImage: { type: 'string', minLength: 1 } }),
    replicas: int(0),
    cronJobPolicy: closed({ schedule: str }),
    podPolicy: {
      type: 'object',
      properties: {
        resources,
        nodeSelector: stringMap,
        labels: stringMap,
        args: { type: 'array', items: str },
        command: { type: 'array', items: str },
      },
    },
    autoScalingPolicy: closed({ minReplicas: int(1), maxReplicas: int(1), hpaPolicy }),
  },
  { required: ['cnInfo', 'feInfo', 'images', 'replicas'] },
);
