// `scaffold starrocks-cluster`: a StarRocksCluster (starrocks.com/v1) with FE and an
// autoscaled CN, the operator's current API.
import { LABEL_INJECT } from '../../../policies/model.js';
import { UserError } from '../../cli/base.js';
import { meta, pinnedImage, quantity } from '../objects.js';
import { CN_CONF, CN_IMAGE, FE_IMAGE, cnAutoScalingPolicy } from '../starrocks.js';
import type { ScaffoldResult, ScaffoldTarget } from '../types.js';

export interface StarRocksClusterOptions {
  image?: string | undefined;
  feImage?: string | undefined;
  feReplicas?: number | undefined;
  minReplicas?: number | undefined;
  maxReplicas?: number | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
}

export function scaffoldStarRocksCluster(
  { name, namespace }: ScaffoldTarget,
  flags: StarRocksClusterOptions,
): ScaffoldResult {
  const cnImage = pinnedImage('--image', flags.image ?? CN_IMAGE);
  const feImage = pinnedImage('--fe-image', flags.feImage ?? FE_IMAGE);
  const min = flags.minReplicas ?? 1;
  const max = flags.maxReplicas ?? 10;
  if (min > max)
    throw new UserError(
      `--min-replicas ${min} is greater than --max-replicas ${max}`,
      'lower --min-replicas or raise --max-replicas',
      2,
    );
  const feReplicas = flags.feReplicas ?? 3;
  const cpu = quantity('--cpu', flags.cpu ?? '4');
  const memory = quantity('--memory', flags.memory ?? '8Gi');
  const cnConfig = `${name}-cn-cm`;

  const cluster = {
    apiVersion: 'starrocks.com/v1',
    kind: 'StarRocksCluster',
    metadata: meta(name, namespace),
    spec: {
      starRocksFeSpec: {
        image: feImage,
        replicas: feReplicas,
        requests: { cpu: '2', memory: '4Gi' },
        limits: { cpu: '4', memory: '8Gi' },
        storageVolumes: [
          { name: 'fe-meta', storageSize: '10Gi', mountPath: '/opt/starrocks/fe/meta' },
          { name: 'fe-log', storageSize: '5Gi', mountPath: '/opt/starrocks/fe/log' },
        ],
      },
      starRocksCnSpec: {
        image: cnImage,
        // No replicas: with an autoscaling policy the HPA owns the count.
        requests: { cpu, memory },
        limits: { cpu, memory },
        configMapInfo: { configMapName: cnConfig, resolveKey: 'cn.conf' },
        autoScalingPolicy: { version: 'v2', ...cnAutoScalingPolicy({ min, max }) },
      },
    },
  };
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(cnConfig, namespace),
    data: { 'cn.conf': CN_CONF },
  };
  const notes = [
    `StarRocksCluster ${name}: ${feReplicas} FE (${feImage}), CN ${cnImage} autoscaled ${min}-${max} on cpu and ` +
      `memory (autoscaling/v2).`,
    `The graphdata webhook wires CN pods to Alluxio when the namespace has ${LABEL_INJECT}=enabled.`,
  ];
  return { objects: [configMap, cluster], notes };
}
