// `scaffold spark`: a SparkApplication that reads from Alluxio, and the RBAC its driver
// needs to create executors.
import { LABEL_INJECT } from '../../../policies/model.js';
import { UserError } from '../../cli/base.js';
import { MANAGE_VERBS, meta, namespacedRbac, pinnedImage, sparkMemory } from '../objects.js';
import { sparkWiring, type SparkRoleWiring } from './wiring.js';
import type { Policy } from '../../../policies/model.js';
import type { Manifest, ScaffoldResult, ScaffoldTarget } from '../types.js';

export const DEFAULT_SPARK_VERSION = '3.5.1';
const SPARK_TYPES = ['Scala', 'Java', 'Python', 'R'] as const;

/** `scaffold spark`'s flags; undefined means "not given", so the builder owns the defaults. */
export interface SparkOptions {
  image?: string | undefined;
  type?: string | undefined;
  mainClass?: string | undefined;
  mainFile?: string | undefined;
  args?: string[] | undefined;
  sparkVersion?: string | undefined;
  driverCores?: number | undefined;
  driverMemory?: string | undefined;
  executors?: number | undefined;
  executorCores?: number | undefined;
  executorMemory?: string | undefined;
  serviceAccount?: string | undefined;
}

/** Without `policy` the manifest relies on the webhook; with it (`--no-webhook`) the wiring is written in. */
export function scaffoldSpark(
  { name, namespace }: ScaffoldTarget,
  flags: SparkOptions,
  policy?: Policy,
): ScaffoldResult {
  const sparkVersion = flags.sparkVersion ?? DEFAULT_SPARK_VERSION;
  const type = sparkType(flags.type);
  const image = pinnedImage('--image', flags.image ?? `apache/spark:${sparkVersion}`);
  const jvm = type === 'Scala' || type === 'Java';
  const mainClass = flags.mainClass ?? (jvm ? 'org.apache.spark.examples.HdfsTest' : undefined);
  const mainApplicationFile = flags.mainFile ?? defaultMainFile(type, sparkVersion);
  if (!mainApplicationFile) {
    throw new UserError(
      `--main-file is required for type ${type}`,
      `e.g. --main-file local:///opt/spark/work-dir/app.${type === 'R' ? 'R' : 'py'}`,
      2,
    );
  }
  // No host or port in the URI: the Alluxio client takes the master address from the
  // -Dalluxio.master.* options graphdata injects, so the same manifest works everywhere.
  const args = flags.args?.length ? flags.args : [`alluxio:///${namespace}/${name}/input.txt`];
  const serviceAccount = flags.serviceAccount ?? `${name}-driver`;
  const cores = { driver: flags.driverCores ?? 1, executor: flags.executorCores ?? 1 };

  const app: Manifest = {
    apiVersion: 'sparkoperator.k8s.io/v1beta2',
    kind: 'SparkApplication',
    metadata: meta(name, namespace),
    spec: {
      type,
      ...(type === 'Python' ? { pythonVersion: '3' } : {}),
      mode: 'cluster',
      image,
      imagePullPolicy: 'IfNotPresent',
      ...(mainClass ? { mainClass } : {}),
      mainApplicationFile,
      arguments: args,
      sparkVersion,
      sparkConf: {
        'spark.hadoop.fs.alluxio.impl': 'alluxio.hadoop.FileSystem',
        'spark.hadoop.fs.AbstractFileSystem.alluxio.impl': 'alluxio.hadoop.AlluxioFileSystem',
      },
      restartPolicy: {
        type: 'OnFailure',
        onFailureRetries: 3,
        onFailureRetryInterval: 10,
        onSubmissionFailureRetries: 5,
        onSubmissionFailureRetryInterval: 20,
      },
      driver: {
        cores: cores.driver,
        coreLimit: coreLimit(cores.driver),
        memory: sparkMemory('--driver-memory', flags.driverMemory ?? '1g'),
        serviceAccount,
        labels: { version: sparkVersion },
      },
      executor: {
        instances: flags.executors ?? 2,
        cores: cores.executor,
        coreLimit: coreLimit(cores.executor),
        memory: sparkMemory('--executor-memory', flags.executorMemory ?? '2g'),
        labels: { version: sparkVersion },
      },
    },
  };
  const notes = [`SparkApplication ${name}: ${type} job on ${image}, ${flags.executors ?? 2} executors.`];
  const missing: NonNullable<ScaffoldResult['missing']> = [];
  if (policy) {
    const spec = app.spec as Record<string, unknown>;
    const driver = sparkWiring(policy, 'driver', image, namespace);
    const executor = sparkWiring(policy, 'executor', image, namespace);
    applyWiring(spec, driver, executor);
    const fluid = policy.spec.cache === 'fluid';
    notes.push(
      `Written for clusters without the graphdata webhook: Alluxio client jar, ${fluid ? '' : 'client options, '}` +
        'domain socket and placement are in the spec.',
      "Volumes, env and init containers take effect through the Spark operator's own webhook (or pod templates).",
    );
    if (fluid) {
      const fluid = fluidMasterMissing(namespace);
      missing.push(fluid);
      notes.push(`MISSING: ${fluid.message}`, `To do: ${fluid.hint}`);
    }
  } else {
    notes.push(
      'The graphdata webhook adds the Alluxio client jar, client options, domain socket and placement to driver ' +
        'and executor pods.',
      `It does so in namespaces labelled ${LABEL_INJECT}=enabled: kubectl label namespace ${namespace} ` +
        `${LABEL_INJECT}=enabled. Without the webhook, scaffold with --no-webhook.`,
    );
  }
  const rbac = namespacedRbac({
    serviceAccount,
    role: `${name}-driver`,
    namespace,
    createServiceAccount: true,
    rules: DRIVER_RULES,
  });
  return { objects: [...rbac, app], notes, ...(missing.length ? { missing } : {}) };
}

/**
 * Under `cache: fluid` the master is the one Fluid runs for the pod's dataset, at a port
 * Fluid may pick at random and reports only in the cluster (policies/fluid-runtime.ts):
 * nothing offline can write it, so say what is missing and where to read it.
 */
function fluidMasterMissing(namespace: string): { message: string; hint: string } {
  return {
    message:
      'the policy has cache: fluid, so no Alluxio master options (-Dalluxio.master.hostname, ' +
      '-Dalluxio.master.rpc.port) are written: the master is the one Fluid runs for your dataset, and its port is known only in the cluster.',
    hint:
      'add -Dalluxio.master.hostname=DATASET-master-0.' +
      `${namespace} -Dalluxio.master.rpc.port=PORT to spec.driver.javaOptions and spec.executor.javaOptions, with ` +
      `PORT from \`kubectl get dataset DATASET -n ${namespace} -o jsonpath='{.status.hcfs.endpoint}'\` ` +
      '(alluxio://HOST:PORT); or run the graphdata webhook and annotate the pods graphdata.io/dataset: DATASET',
  };
}

/** The driver creates executor pods and their services, config maps and volume claims. */
const DRIVER_RULES = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'persistentvolumeclaims'], verbs: MANAGE_VERBS },
];

function sparkType(value: string | undefined): (typeof SPARK_TYPES)[number] {
  if (value === undefined) return 'Scala';
  const match = SPARK_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!match)
    throw new UserError(
      `--type ${JSON.stringify(value)} is not a Spark application type`,
      `use one of ${SPARK_TYPES.join(', ')}`,
      2,
    );
  return match;
}

function defaultMainFile(type: string, sparkVersion: string): string | undefined {
  if (type === 'Python') return 'local:///opt/spark/examples/src/main/python/wordcount.py';
  if (type === 'R') return undefined;
  const scala = sparkVersion.startsWith('4.') ? '2.13' : '2.12';
  return `local:///opt/spark/examples/jars/spark-examples_${scala}-${sparkVersion}.jar`;
}

/** Headroom over the cores Spark schedules, for the JVM's own threads (as the operator's examples do). */
const coreLimit = (cores: number): string => `${cores * 1000 + 200}m`;

function applyWiring(spec: Record<string, unknown>, driver: SparkRoleWiring, executor: SparkRoleWiring): void {
  const volumes = [...driver.volumes];
  for (const v of executor.volumes) if (!volumes.some((d) => d.name === v.name)) volumes.push(v);
  spec.image = executor.image;
  if (executor.imagePullPolicy) spec.imagePullPolicy = executor.imagePullPolicy;
  const secrets = [...new Set([...driver.imagePullSecrets, ...executor.imagePullSecrets])];
  if (secrets.length) spec.imagePullSecrets = secrets;
  spec.volumes = volumes;
  const conf = spec.sparkConf as Record<string, string>;
  for (const [role, wiring] of [
    ['driver', driver],
    ['executor', executor],
  ] as const) {
    if (wiring.classPath) conf[`spark.${role}.extraClassPath`] = wiring.classPath;
    Object.assign(spec[role] as Record<string, unknown>, {
      ...(wiring.javaOptions.length ? { javaOptions: wiring.javaOptions.join(' ') } : {}),
      ...(wiring.env.length ? { env: wiring.env } : {}),
      ...(wiring.initContainers.length ? { initContainers: wiring.initContainers } : {}),
      ...(wiring.volumeMounts.length ? { volumeMounts: wiring.volumeMounts } : {}),
      ...(wiring.nodeSelector ? { nodeSelector: wiring.nodeSelector } : {}),
      ...(wiring.affinity ? { affinity: wiring.affinity } : {}),
    });
  }
}
