// `scaffold cn`: a legacy StarRocks ComputeNodeGroup (starrocks.com/v1alpha1) with the
// cn.conf ConfigMap it references; the FE account Secret is left to the user (see below).
import { LABEL_INJECT } from '../../../policies/model.js';
import { UserError } from '../../cli/base.js';
import { hostPort, meta, pinnedImage, quantity, required, requireFlags } from '../objects.js';
import { CN_CONF, CN_IMAGE, cnAutoScalingPolicy, resources } from '../starrocks.js';
import type { Manifest, ScaffoldResult, ScaffoldTarget } from '../types.js';

/** Where the legacy operator mounts cn.conf, and where today's cn-ubuntu images read it. */
const LEGACY_CONF = '/data/starrocks/be/conf/cn.conf';
const IMAGE_CONF = '/opt/starrocks/cn/conf/cn.conf';
const START_CN = '/opt/starrocks/cn/bin/start_cn.sh';

export interface CnOptions {
  image?: string | undefined;
  componentsImage?: string | undefined;
  feAddresses?: string[] | undefined;
  feUser?: string | undefined;
  operatorAutoscaling?: boolean | undefined;
  minReplicas?: number | undefined;
  maxReplicas?: number | undefined;
  cpu?: string | undefined;
  memory?: string | undefined;
}

export function scaffoldCn({ name, namespace }: ScaffoldTarget, flags: CnOptions): ScaffoldResult {
  const feHint = 'give the FE MySQL address, e.g. --fe-address kube-starrocks-fe-service.starrocks:9030';
  const componentsHint =
    'the legacy operator runs its register sidecar and offline job from this image; build it from the ' +
    "operator's components/ directory and pass its pinned reference";
  requireFlags([
    { value: flags.feAddresses, flag: '--fe-address', hint: feHint },
    { value: flags.componentsImage, flag: '--components-image', hint: componentsHint },
  ]);
  const addresses = required(flags.feAddresses, '--fe-address', feHint).map((a) => hostPort('--fe-address', a));
  const componentsImage = pinnedImage(
    '--components-image',
    required(flags.componentsImage, '--components-image', componentsHint),
  );
  const image = pinnedImage('--image', flags.image ?? CN_IMAGE);
  const min = flags.minReplicas ?? 1;
  const max = flags.maxReplicas ?? 10;
  if (min > max)
    throw new UserError(
      `--min-replicas ${min} is greater than --max-replicas ${max}`,
      'the HPA would never be valid; lower --min-replicas or raise --max-replicas',
      2,
    );
  const secret = `${name}-fe-account`;
  const feUser = flags.feUser ?? 'root';
  if (!/^[A-Za-z0-9_.@-]+$/.test(feUser))
    throw new UserError(
      `--fe-user ${JSON.stringify(feUser)} is not a StarRocks user name`,
      'use letters, digits, "_", ".", "@" or "-", e.g. --fe-user root',
      2,
    );
  const configMap = `${name}-cn-config`;
  const scaling = cnAutoScalingPolicy({ min, max });

  // No Secret: one in the output would be re-applied over the password set with
  // `kubectl create secret` (client-side apply drops keys it does not list). The notes
  // say how to create it once.
  const objects: Manifest[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(configMap, namespace), data: { 'cn.conf': CN_CONF } },
    {
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      metadata: meta(name, namespace),
      spec: {
        images: { cnImage: image, componentsImage },
        feInfo: { accountSecret: secret, addresses },
        cnInfo: { configMap },
        replicas: min,
        // Removes CNs that scaled away from the FE's node list.
        cronJobPolicy: { schedule: '*/5 * * * *' },
        podPolicy: {
          // The legacy operator starts `be/bin/start_cn.sh` with cn.conf at the old path;
          // current images keep both under /opt/starrocks/cn, so copy the config and start there.
          command: [
            '/bin/bash',
            '-c',
            `if [ -f ${LEGACY_CONF} ]; then cp ${LEGACY_CONF} ${IMAGE_CONF}; fi; exec ${START_CN}`,
          ],
          resources: resources(quantity('--cpu', flags.cpu ?? '4'), quantity('--memory', flags.memory ?? '8Gi')),
        },
        ...(flags.operatorAutoscaling ? { autoScalingPolicy: scaling } : {}),
      },
    },
  ];
  // The legacy operator turns autoScalingPolicy into an autoscaling/v2beta2 HPA, which
  // Kubernetes 1.26 removed; an autoscaling/v2 HPA on the group's scale subresource does
  // the same job on current clusters.
  if (!flags.operatorAutoscaling) {
    const { minReplicas, maxReplicas, hpaPolicy } = scaling as {
      minReplicas: number;
      maxReplicas: number;
      hpaPolicy: Record<string, unknown>;
    };
    objects.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(name, namespace),
      spec: {
        scaleTargetRef: { apiVersion: 'starrocks.com/v1alpha1', kind: 'ComputeNodeGroup', name },
        minReplicas,
        maxReplicas,
        ...hpaPolicy,
      },
    });
  }
  const notes = [
    `ComputeNodeGroup ${name}: CN ${image} registering with FE ${addresses.join(', ')}, ${min}-${max} replicas.`,
    `Create the FE account Secret once (the CN register sidecar reads it; FE_PWD= is empty for a fresh root): ` +
      `kubectl -n ${namespace} create secret generic ${secret} --from-literal=FE_USR=${feUser} ` +
      `--from-literal=FE_PWD=PASSWORD`,
    flags.operatorAutoscaling
      ? 'spec.autoScalingPolicy makes the legacy operator create an autoscaling/v2beta2 HPA: only for clusters ' +
        'older than Kubernetes 1.26.'
      : 'Autoscaled by an autoscaling/v2 HPA on the ComputeNodeGroup ' +
        "(the operator's own autoScalingPolicy uses autoscaling/v2beta2, removed in 1.26).",
    `The graphdata webhook adds the Alluxio client jar to /opt/starrocks/cn/lib/hadoop/hdfs/ when the namespace ` +
      `has ${LABEL_INJECT}=enabled.`,
  ];
  return { objects, notes };
}
