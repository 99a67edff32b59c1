// `scaffold dataset`: a Fluid Dataset cached by an AlluxioRuntime that grows with use:
// an autoscaling/v2 HPA on the custom metric capacity_used_rate, which prometheus-adapter
// derives from the runtime's Cluster_Capacity* metrics.
import { formatImage, parseImage } from '../../../policies/image-ref.js';
import { ANNOTATION_DATASET, LABEL_INJECT } from '../../../policies/model.js';
import { UserError } from '../../cli/base.js';
import { meta, pinnedImage, quantity, required } from '../objects.js';
import type { Manifest, ScaffoldResult, ScaffoldTarget } from '../types.js';

export const CAPACITY_METRIC = 'capacity_used_rate';
const FLUID_API = 'data.fluid.io/v1alpha1';

/** The prometheus-adapter rule, as Fluid documents it; merged into the adapter's `rules:`. */
export const ADAPTER_RULE = `- seriesQuery: '{__name__=~"Cluster_(CapacityTotal|CapacityUsed)",fluid_runtime!="",instance!="",job="alluxio runtime",namespace!="",pod!=""}'
  seriesFilters:
  - is: ^Cluster_(CapacityTotal|CapacityUsed)$
  resources:
    overrides:
      namespace:
        resource: namespace
      pod:
        resource: pods
      fluid_runtime:
        resource: datasets
  name:
    matches: "^(.*)"
    as: "${CAPACITY_METRIC}"
  metricsQuery: ceil(Cluster_CapacityUsed{<<.LabelMatchers>>}*100/(Cluster_CapacityTotal{<<.LabelMatchers>>}))
`;

export interface DatasetOptions {
  mount?: string | undefined;
  alluxioImage?: string | undefined;
  memQuota?: string | undefined;
  ssdQuota?: string | undefined;
  ssdPath?: string | undefined;
  minReplicas?: number | undefined;
  maxReplicas?: number | undefined;
  scaleAt?: number | undefined;
}

export function scaffoldDataset({ name, namespace }: ScaffoldTarget, flags: DatasetOptions): ScaffoldResult {
  const mount = required(
    flags.mount,
    '--mount',
    'name the data to cache, e.g. --mount s3://bucket/path, --mount hdfs://namenode:8020/data or --mount pvc://claim',
  );
  if (!/^[a-z][a-z0-9+.-]*:\/\/\S+$/.test(mount) || /[<>]/.test(mount)) {
    throw new UserError(
      `--mount ${JSON.stringify(mount)} is not a mount point URI`,
      'write it like s3://bucket/path, hdfs://namenode:8020/data, pvc://claim or local:///mnt/data',
      2,
    );
  }
  const min = flags.minReplicas ?? 1;
  const max = flags.maxReplicas ?? 4;
  if (min > max)
    throw new UserError(
      `--min-replicas ${min} is greater than --max-replicas ${max}`,
      'lower --min-replicas or raise --max-replicas',
      2,
    );
  const scaleAt = flags.scaleAt ?? 90;
  if (scaleAt < 1 || scaleAt > 100)
    throw new UserError(
      `--scale-at ${scaleAt} is not a percentage`,
      'give 1-100: the share of cache used that triggers a scale-up',
      2,
    );

  const dataset: Manifest = {
    apiVersion: FLUID_API,
    kind: 'Dataset',
    metadata: meta(name, namespace),
    spec: { mounts: [{ mountPoint: mount, name }] },
  };
  const runtime: Manifest = {
    apiVersion: FLUID_API,
    kind: 'AlluxioRuntime',
    metadata: meta(name, namespace),
    spec: {
      replicas: min,
      ...(flags.alluxioImage
        ? { alluxioVersion: imageFields(pinnedImage('--alluxio-image', flags.alluxioImage)) }
        : {}),
      tieredstore: {
        levels: [
          {
            mediumtype: 'MEM',
            path: '/dev/shm',
            quota: quantity('--mem-quota', flags.memQuota ?? '2Gi'),
            high: '0.95',
            low: '0.7',
          },
          {
            mediumtype: 'SSD',
            volumeType: 'hostPath',
            path: flags.ssdPath ?? '/mnt/ssd/fluid',
            quota: quantity('--ssd-quota', flags.ssdQuota ?? '50Gi'),
            high: '0.95',
            low: '0.7',
          },
        ],
      },
    },
  };
  const hpa: Manifest = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(name, namespace),
    spec: {
      scaleTargetRef: { apiVersion: FLUID_API, kind: 'AlluxioRuntime', name },
      minReplicas: min,
      maxReplicas: max,
      metrics: [
        {
          type: 'Object',
          object: {
            metric: { name: CAPACITY_METRIC },
            describedObject: { apiVersion: FLUID_API, kind: 'Dataset', name },
            target: { type: 'Value', value: String(scaleAt) },
          },
        },
      ],
      behavior: {
        scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 600 }] },
        // Shrinking evicts cached blocks that readers still hit; scale down by hand.
        scaleDown: { selectPolicy: 'Disabled' },
      },
    },
  };
  // A ConfigMap (not the adapter's own) so applying it changes nothing else in the cluster.
  const adapterRule: Manifest = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${name}-prometheus-adapter-rule`, namespace),
    data: { 'rules.yaml': ADAPTER_RULE },
  };
  const notes = [
    `Dataset ${name} (${mount}) cached by AlluxioRuntime ${name}: MEM + SSD tiers, ${min}-${max} workers, ` +
      `scaling up at ${scaleAt}% ${CAPACITY_METRIC}.`,
    `The HPA needs prometheus-adapter serving ${CAPACITY_METRIC}: merge data."rules.yaml" of ConfigMap ` +
      `${name}-prometheus-adapter-rule`,
    `into the adapter's config rules, then check: kubectl get --raw ` +
      `"/apis/custom.metrics.k8s.io/v1beta1/namespaces/${namespace}/datasets.data.fluid.io/*/${CAPACITY_METRIC}"`,
    `Pods annotated ${ANNOTATION_DATASET}: ${name} prefer nodes caching it (namespace label ${LABEL_INJECT}=enabled).`,
  ];
  return { objects: [dataset, runtime, hpa, adapterRule], notes };
}

/** Fluid takes repository and tag apart, so a digest cannot be expressed. */
function imageFields(image: string): { image: string; imageTag: string } {
  const ref = parseImage(image);
  if (ref.digest || !ref.tag)
    throw new UserError(
      `--alluxio-image ${JSON.stringify(image)} needs a tag`,
      'AlluxioRuntime takes image and imageTag separately; give repository:tag',
      2,
    );
  return {
    image: formatImage({ ...(ref.registry ? { registry: ref.registry } : {}), path: ref.path }),
    imageTag: ref.tag,
  };
}
