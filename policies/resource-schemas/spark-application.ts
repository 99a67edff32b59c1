// SparkApplication sparkoperator.k8s.io/v1beta2: required fields, enums, and the
// driver/executor basics. Field lists are closed so `memroy:` or `sparkconf:` gets a
// "did you mean" instead of being pruned by the apiserver.
import { bool, closed, enumOf, envVar, int, known, pullPolicy, str, strList, stringMap, volume, volumeMount, type Schema } from './common.js';

/** Spark/JVM sizes: `512m`, `4g`, `2048`. */
export const SPARK_MEMORY_PATTERN = '^\\d+(\\.\\d+)?[kKmMgGtTpP]?[bB]?$';
const sparkMemory: Schema = { type: 'string', pattern: SPARK_MEMORY_PATTERN };
const cpuString: Schema = { type: 'string', pattern: '^(\\d+(\\.\\d+)?|\\.\\d+)m?$' };

const POD_FIELDS = [
  'affinity', 'annotations', 'configMaps', 'coreLimit', 'coreRequest', 'cores', 'dnsConfig', 'env', 'envFrom', 'envSecretKeyRefs',
  'envVars', 'gpu', 'hostAliases', 'hostNetwork', 'image', 'initContainers', 'javaOptions', 'labels', 'lifecycle', 'memory',
  'memoryLimit', 'memoryOverhead', 'nodeSelector', 'podSecurityContext', 'ports', 'priorityClassName', 'schedulerName', 'secrets',
  'securityContext', 'serviceAccount', 'shareProcessNamespace', 'sidecars', 'template', 'terminationGracePeriodSeconds', 'tolerations',
  'volumeMounts',
] as const;

const podTyped: Record<string, Schema> = {
  cores: int(1),
  coreLimit: cpuString,
  coreRequest: cpuString,
  memory: sparkMemory,
  memoryOverhead: sparkMemory,
  image: str,
  javaOptions: str,
  serviceAccount: str,
  labels: stringMap,
  annotations: stringMap,
  nodeSelector: stringMap,
  envVars: stringMap,
  env: { type: 'array', items: envVar },
  volumeMounts: { type: 'array', items: volumeMount },
};

const driver: Schema = closed(known([...POD_FIELDS, 'kubernetesMaster', 'podName', 'serviceAnnotations', 'serviceLabels'], podTyped));
const executor: Schema = closed(known([...POD_FIELDS, 'deleteOnTermination', 'instances'], { ...podTyped, instances: int(1) }));

const SPEC_FIELDS = [
  'arguments', 'batchScheduler', 'batchSchedulerOptions', 'deps', 'driver', 'driverIngressOptions', 'driverPodDisruptionBudget',
  'dynamicAllocation', 'executor', 'failureRetries', 'hadoopConf', 'hadoopConfigMap', 'image', 'imagePullPolicy', 'imagePullSecrets',
  'mainApplicationFile', 'mainClass', 'memoryOverheadFactor', 'mode', 'monitoring', 'nodeSelector', 'proxyUser', 'pythonVersion',
  'restartPolicy', 'retryInterval', 'sparkConf', 'sparkConfigMap', 'sparkUIOptions', 'sparkVersion', 'suspend', 'timeToLiveSeconds',
  'type', 'volumes',
] as const;

export const sparkApplicationSpecSchema: Schema = closed(
  known(SPEC_FIELDS, {
    type: enumOf('Java', 'Python', 'Scala', 'R'),
    mode: enumOf('cluster', 'client'),
    sparkVersion: { type: 'string', pattern: '^\\d+\\.\\d+' },
    mainApplicationFile: { type: 'string', minLength: 1 },
    mainClass: str,
    image: str,
    imagePullPolicy: pullPolicy,
    pythonVersion: enumOf('2', '3'),
    arguments: strList,
    sparkConf: stringMap,
    hadoopConf: stringMap,
    nodeSelector: stringMap,
    volumes: { type: 'array', items: volume },
    deps: { type: 'object', properties: { jars: strList, files: strList, pyFiles: strList, packages: strList } },
    dynamicAllocation: closed({ enabled: bool, initialExecutors: int(0), minExecutors: int(0), maxExecutors: int(0), shuffleTrackingEnabled: bool, shuffleTrackingTimeout: int(0) }),
    restartPolicy: { type: 'object', properties: { type: enumOf('Never', 'Always', 'OnFailure') } },
    driver,
    executor,
  }),
  { required: ['type', 'sparkVersion', 'mainApplicationFile', 'driver', 'executor'] },
);
