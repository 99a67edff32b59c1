import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { closest } from '../../policies/suggest.js';
import { GraphdataCommand, UserError, outputOption } from '../base.js';
import { KIND_FLAGS, KIND_SUMMARIES, SCAFFOLD_KINDS, isScaffoldKind, type ScaffoldKind } from '../scaffold/kinds.js';
import type { CompletionHints } from '../completion/complete.js';
import type { ScaffoldFlags } from '../scaffold/types.js';

const count = () => t.cascade(t.isNumber(), [t.isInteger(), t.isAtLeast(1)]);
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The flag each ScaffoldFlags field comes from, to say which flags a kind does not take. */
const FLAG_NAMES: Record<keyof ScaffoldFlags, string> = {
  image: '--image',
  type: '--type',
  mainClass: '--main-class',
  mainFile: '--main-file',
  args: '--arg',
  sparkVersion: '--spark-version',
  driverCores: '--driver-cores',
  driverMemory: '--driver-memory',
  executors: '--executors',
  executorCores: '--executor-cores',
  executorMemory: '--executor-memory',
  serviceAccount: '--service-account',
  noWebhook: '--no-webhook',
  componentsImage: '--components-image',
  feAddresses: '--fe-address',
  feUser: '--fe-user',
  operatorAutoscaling: '--operator-autoscaling',
  feImage: '--fe-image',
  feReplicas: '--fe-replicas',
  minReplicas: '--min-replicas',
  maxReplicas: '--max-replicas',
  cpu: '--cpu',
  memory: '--memory',
  mount: '--mount',
  alluxioImage: '--alluxio-image',
  memQuota: '--mem-quota',
  ssdQuota: '--ssd-quota',
  ssdPath: '--ssd-path',
  scaleAt: '--scale-at',
  registry: '--registry',
  graphscopeVersion: '--graphscope-version',
  workers: '--workers',
  cluster: '--cluster',
  mode: '--mode',
  allowedRegistries: '--allowed-registries',
  maxExecutorCores: '--max-executor-cores',
  maxExecutorMemory: '--max-executor-memory',
  maxCnReplicas: '--max-cn-replicas',
};

export class ScaffoldCommand extends GraphdataCommand {
  static override paths = [['scaffold']];
  static completions: CompletionHints = { positionals: [SCAFFOLD_KINDS] };
  static override usage = Command.Usage({
    category: 'Authoring',
    description: 'Write ready-to-apply manifests for a workload, a dataset or a policy',
    // Built as lines: clipanion dedents a details string by its first line, which the
    // interpolated kind list would break.
    details: [
      'Prints multi-document YAML (or a JSON List with `-o json`) for KIND, named NAME, in the namespace of `-n` (default `default`). Every image is pinned and no placeholder is ever written: what cannot be defaulted is a required flag.',
      '',
      ...SCAFFOLD_KINDS.map((k) => `- \`${k}\`: ${KIND_SUMMARIES[k]}; flags: ${KIND_FLAGS[k].join(' ')}`),
      '',
      'Spark manifests rely on the graphdata webhook for the Alluxio client jar, client options, domain socket and placement; `--no-webhook` writes them into the spec instead, with values from the built-in policy (or `--policy FILE`).',
    ].join('\n'),
    examples: [
      [
        'A Spark job reading from Alluxio, injected by the webhook',
        '$0 scaffold spark wordcount -n analytics | kubectl apply -f -',
      ],
      [
        'The same for a cluster without the webhook',
        '$0 scaffold spark wordcount -n analytics --no-webhook --executors 4 --executor-memory 4g',
      ],
      [
        'Legacy StarRocks compute nodes registering with an FE',
        '$0 scaffold cn cn-pool -n starrocks --fe-address kube-starrocks-fe-service.starrocks:9030 --components-image registry.internal/starrocks/cn-components:v1.0',
      ],
      ['A StarRocksCluster with autoscaled CN', '$0 scaffold starrocks-cluster sr -n starrocks --max-replicas 20'],
      [
        'A Fluid dataset whose cache grows at 80% use',
        '$0 scaffold dataset sales -n analytics --mount s3://warehouse/sales --scale-at 80',
      ],
      [
        'GraphScope with images from an offline mirror',
        '$0 scaffold graphscope gs -n graph --registry registry.internal:5000',
      ],
      [
        'A cluster policy that denies unknown registries',
        '$0 scaffold policy default --cluster --mode Enforce --allowed-registries registry.internal,docker.io',
      ],
    ],
  });

  kind = Option.String({ required: false, name: 'kind' });
  name = Option.String({ required: false, name: 'name' });
  output = outputOption(['yaml', 'json']);
  policy = Option.String('--policy', {
    description:
      '(spark --no-webhook, policy --cluster) Policy file whose values fill the defaults (default: the built-in policy)',
  });

  image = Option.String('--image', { description: '(spark, cn, starrocks-cluster) Main image, with a pinned tag' });
  type = Option.String('--type', { description: '(spark) Scala|Java|Python|R (default Scala)' });
  mainClass = Option.String('--main-class', {
    description: '(spark) Main class (default the HdfsTest example, which reads the --arg path)',
  });
  mainFile = Option.String('--main-file', {
    description: '(spark) Application jar or script, e.g. local:///opt/spark/work-dir/app.jar',
  });
  args = Option.Array('--arg', {
    description: '(spark) Application argument, repeatable (default an alluxio:/// input path)',
  });
  sparkVersion = Option.String('--spark-version', { description: '(spark) Spark version (default 3.5.1)' });
  driverCores = Option.String('--driver-cores', {
    description: '(spark) Driver cores (default 1)',
    validator: count(),
  });
  driverMemory = Option.String('--driver-memory', { description: '(spark) Driver memory, e.g. 1g' });
  executors = Option.String('--executors', {
    description: '(spark) Executor instances (default 2)',
    validator: count(),
  });
  executorCores = Option.String('--executor-cores', {
    description: '(spark) Cores per executor (default 1)',
    validator: count(),
  });
  executorMemory = Option.String('--executor-memory', {
    description: '(spark) Memory per executor, e.g. 4g (default 2g)',
  });
  serviceAccount = Option.String('--service-account', {
    description: '(spark, graphscope) ServiceAccount of the driver / coordinator',
  });
  noWebhook = Option.Boolean('--no-webhook', false, {
    description: '(spark) Write jar, client options, socket and placement into the spec',
  });

  componentsImage = Option.String('--components-image', {
    description: "(cn) Image of the legacy operator's register sidecar and offline job (required)",
  });
  feAddresses = Option.Array('--fe-address', { description: '(cn) FE query address HOST:PORT, repeatable (required)' });
  feUser = Option.String('--fe-user', { description: '(cn) FE user the CN registers with (default root)' });
  operatorAutoscaling = Option.Boolean('--operator-autoscaling', false, {
    description:
      "(cn) Autoscale with the operator's autoScalingPolicy (autoscaling/v2beta2: Kubernetes < 1.26 only) instead of an autoscaling/v2 HPA",
  });
  feImage = Option.String('--fe-image', { description: '(starrocks-cluster) FE image' });
  feReplicas = Option.String('--fe-replicas', {
    description: '(starrocks-cluster) FE replicas (default 3)',
    validator: count(),
  });
  minReplicas = Option.String('--min-replicas', {
    description: '(cn, starrocks-cluster, dataset) Autoscaling minimum',
    validator: count(),
  });
  maxReplicas = Option.String('--max-replicas', {
    description: '(cn, starrocks-cluster, dataset) Autoscaling maximum',
    validator: count(),
  });
  cpu = Option.String('--cpu', { description: '(cn, starrocks-cluster, graphscope) CPU per CN / engine, e.g. 4' });
  memory = Option.String('--memory', {
    description: '(cn, starrocks-cluster, graphscope) Memory per CN / engine, e.g. 8Gi',
  });

  mount = Option.String('--mount', { description: '(dataset) Data to cache: s3://…, hdfs://…, pvc://… (required)' });
  alluxioImage = Option.String('--alluxio-image', {
    description: "(dataset) Alluxio image for the runtime (default Fluid's)",
  });
  memQuota = Option.String('--mem-quota', { description: '(dataset) Memory tier per worker (default 2Gi)' });
  ssdQuota = Option.String('--ssd-quota', { description: '(dataset) SSD tier per worker (default 50Gi)' });
  ssdPath = Option.String('--ssd-path', {
    description: '(dataset) SSD tier directory on the node (default /mnt/ssd/fluid)',
  });
  scaleAt = Option.String('--scale-at', {
    description: '(dataset) Scale up when this % of the cache is used (default 90)',
    validator: count(),
  });

  registry = Option.String('--registry', {
    description: '(graphscope) Registry (offline mirror) for every GraphScope image',
  });
  graphscopeVersion = Option.String('--graphscope-version', { description: '(graphscope) GraphScope image tag' });
  workers = Option.String('--workers', {
    description: '(graphscope) Engine workers per session (default 2)',
    validator: count(),
  });

  cluster = Option.Boolean('--cluster', false, {
    description: '(policy) Write a ClusterGraphDataPolicy instead of a namespaced GraphDataPolicy',
  });
  mode = Option.String('--mode', { description: '(policy) Enforce|Audit (default Audit)' });
  allowedRegistries = Option.String('--allowed-registries', {
    description: '(policy) Comma-separated registries images may come from',
  });
  maxExecutorCores = Option.String('--max-executor-cores', {
    description: '(policy) Cap on cores per Spark executor',
    validator: count(),
  });
  maxExecutorMemory = Option.String('--max-executor-memory', {
    description: '(policy) Cap on memory per Spark executor, e.g. 16Gi',
  });
  maxCnReplicas = Option.String('--max-cn-replicas', {
    description: '(policy) Cap on StarRocks CN replicas',
    validator: count(),
  });

  async run(): Promise<number> {
    const kind = this.checkKind();
    const name = this.checkName(kind);
    const flags = this.flags();
    this.checkFlagsApply(kind, flags);
    const [{ BUILDERS }, { loadPolicyForCli }, { formatObjects }] = await Promise.all([
      import('../scaffold/index.js'),
      import('../policy-option.js'),
      import('../output.js'),
    ]);
    const policy = await loadPolicyForCli(this.policy);
    const result = BUILDERS[kind]({ name, namespace: this.namespace ?? 'default', flags, policy: () => policy });
    const body = await formatObjects(result.objects, this.output);
    const header = this.output === 'yaml' ? result.notes.map((n) => `# ${n}\n`).join('') : '';
    this.context.stdout.write(header + body);
    return 0;
  }

  private checkKind(): ScaffoldKind {
    const kinds = SCAFFOLD_KINDS.join(', ');
    if (!this.kind)
      throw new UserError(
        'scaffold needs a KIND and a NAME',
        `kinds: ${kinds}; e.g. kubectl graphdata scaffold spark my-job`,
        2,
      );
    if (isScaffoldKind(this.kind)) return this.kind;
    const guess = closest(this.kind, SCAFFOLD_KINDS);
    throw new UserError(
      `unknown kind "${this.kind}"${guess ? ` — did you mean "${guess}"?` : ''}`,
      `kinds: ${kinds}`,
      2,
    );
  }

  private checkName(kind: ScaffoldKind): string {
    if (!this.name)
      throw new UserError(
        `scaffold ${kind} needs a NAME`,
        `e.g. kubectl graphdata scaffold ${kind} my-${kind === 'starrocks-cluster' ? 'cluster' : kind}`,
        2,
      );
    if (!DNS_NAME.test(this.name) || this.name.length > 63) {
      throw new UserError(
        `"${this.name}" is not a valid object name`,
        'use lower-case letters, digits and "-", starting and ending with a letter or digit (at most 63)',
        2,
      );
    }
    return this.name;
  }

  private flags(): ScaffoldFlags {
    const list = (value: string | undefined) =>
      value
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const raw: ScaffoldFlags = {
      image: this.image,
      type: this.type,
      mainClass: this.mainClass,
      mainFile: this.mainFile,
      args: this.args,
      sparkVersion: this.sparkVersion,
      driverCores: this.driverCores,
      driverMemory: this.driverMemory,
      executors: this.executors,
      executorCores: this.executorCores,
      executorMemory: this.executorMemory,
      serviceAccount: this.serviceAccount,
      noWebhook: this.noWebhook || undefined,
      componentsImage: this.componentsImage,
      feAddresses: this.feAddresses,
      feUser: this.feUser,
      operatorAutoscaling: this.operatorAutoscaling || undefined,
      feImage: this.feImage,
      feReplicas: this.feReplicas,
      minReplicas: this.minReplicas,
      maxReplicas: this.maxReplicas,
      cpu: this.cpu,
      memory: this.memory,
      mount: this.mount,
      alluxioImage: this.alluxioImage,
      memQuota: this.memQuota,
      ssdQuota: this.ssdQuota,
      ssdPath: this.ssdPath,
      scaleAt: this.scaleAt,
      registry: this.registry,
      graphscopeVersion: this.graphscopeVersion,
      workers: this.workers,
      cluster: this.cluster || undefined,
      mode: this.mode,
      allowedRegistries: list(this.allowedRegistries),
      maxExecutorCores: this.maxExecutorCores,
      maxExecutorMemory: this.maxExecutorMemory,
      maxCnReplicas: this.maxCnReplicas,
    };
    return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as ScaffoldFlags;
  }

  private checkFlagsApply(kind: ScaffoldKind, flags: ScaffoldFlags): void {
    const allowed = new Set(KIND_FLAGS[kind]);
    if (this.policy !== undefined && !allowed.has('--policy')) throw this.notFor('--policy', kind);
    for (const key of Object.keys(flags) as (keyof ScaffoldFlags)[]) {
      if (!allowed.has(FLAG_NAMES[key])) throw this.notFor(FLAG_NAMES[key], kind);
    }
  }

  private notFor(flag: string, kind: ScaffoldKind): UserError {
    const takers = SCAFFOLD_KINDS.filter((k) => KIND_FLAGS[k].includes(flag));
    return new UserError(
      `${flag} does not apply to scaffold ${kind}${takers.length ? ` (it is for ${takers.join(', ')})` : ''}`,
      `flags for ${kind}: ${KIND_FLAGS[kind].join(' ')}`,
      2,
    );
  }
}
