// Shared StarRocks defaults: images, CN config and the autoscaling policy both the
// legacy ComputeNodeGroup and the v1 StarRocksCluster take (HPA v2 field shapes).
export const STARROCKS_VERSION = '3.2.2';
export const CN_IMAGE = `starrocks/cn-ubuntu:${STARROCKS_VERSION}`;
export const FE_IMAGE = `starrocks/fe-ubuntu:${STARROCKS_VERSION}`;

/** Ports as the FE expects them; the operator's probes use 8040 (webserver) and 9050 (heartbeat). */
export const CN_CONF = [
  'sys_log_level = INFO',
  'be_port = 9060',
  'webserver_port = 8040',
  'heartbeat_service_port = 9050',
  'brpc_port = 8060',
  '',
].join('\n');

export interface ScalingBounds {
  min: number;
  max: number;
}

export function cnAutoScalingPolicy({ min, max }: ScalingBounds): Record<string, unknown> {
  const utilization = (name: 'cpu' | 'memory', averageUtilization: number) => ({
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  });
  return {
    minReplicas: min,
    maxReplicas: max,
    hpaPolicy: {
      metrics: [utilization('cpu', 60), utilization('memory', 70)],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
        // CN holds no data, but queries in flight die with the pod: shrink slowly.
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
      },
    },
  };
}

export const resources = (cpu: string, memory: string) => ({ requests: { cpu, memory }, limits: { cpu, memory } });
