import { describe, expect, it } from 'vitest';
import { parseAllDocuments, visit } from 'yaml';
import { parsePolicy } from '../../../../policies/policy-loader.js';
import { crdErrors, hasCrd } from './crd-schema.js';
import { runCli } from '../run-cli.js';
import { CN_FLAGS, SCAFFOLDS } from '../../../fixtures/scaffolds.js';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: any;
  data?: any;
  [k: string]: any;
};
const docs = (yaml: string): Obj[] => parseAllDocuments(yaml).map((d) => d.toJS() as Obj);
const kinds = (objs: Obj[]) => objs.map((o) => `${o.apiVersion} ${o.kind}`);
const find = (objs: Obj[], kind: string) => objs.find((o) => o.kind === kind)!;

const EXPECTED_KINDS: Record<string, string[]> = {
  spark: [
    'v1 ServiceAccount',
    'rbac.authorization.k8s.io/v1 Role',
    'rbac.authorization.k8s.io/v1 RoleBinding',
    'sparkoperator.k8s.io/v1beta2 SparkApplication',
  ],
  'spark --no-webhook': [
    'v1 ServiceAccount',
    'rbac.authorization.k8s.io/v1 Role',
    'rbac.authorization.k8s.io/v1 RoleBinding',
    'sparkoperator.k8s.io/v1beta2 SparkApplication',
  ],
  cn: ['v1 ConfigMap', 'starrocks.com/v1alpha1 ComputeNodeGroup', 'autoscaling/v2 HorizontalPodAutoscaler'],
  'starrocks-cluster': ['v1 ConfigMap', 'starrocks.com/v1 StarRocksCluster'],
  dataset: [
    'data.fluid.io/v1alpha1 Dataset',
    'data.fluid.io/v1alpha1 AlluxioRuntime',
    'autoscaling/v2 HorizontalPodAutoscaler',
    'v1 ConfigMap',
  ],
  graphscope: [
    'v1 Namespace',
    'v1 ServiceAccount',
    'rbac.authorization.k8s.io/v1 Role',
    'rbac.authorization.k8s.io/v1 RoleBinding',
    'v1 ConfigMap',
  ],
  policy: ['graphdata.io/v1alpha1 GraphDataPolicy'],
  'policy --cluster': ['graphdata.io/v1alpha1 ClusterGraphDataPolicy'],
};

// Placeholders people copy from examples; `<<.LabelMatchers>>` (prometheus-adapter syntax) is not one.
const PLACEHOLDER = /<[A-Za-z][\w.:/-]*>|(^|[^\w])x{3,}([^\w]|$)|example\.(com|org)|changeme|your[-_]/i;

describe.each(Object.entries(SCAFFOLDS))('scaffold %s', (label, args) => {
  it('prints parseable YAML with the expected kinds, pinned images and no placeholder', async () => {
    const run = await runCli(args);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const objs = docs(run.stdout);
    expect(kinds(objs)).toEqual(EXPECTED_KINDS[label]);
    expect(run.stdout).not.toMatch(PLACEHOLDER);
    for (const image of run.stdout.match(/image: (\S+)/g) ?? []) expect(image).toMatch(/:[\w.-]+$|@sha256:/);
    // No YAML anchors or aliases: every value is written where it applies, as kubectl prints.
    for (const doc of parseAllDocuments(run.stdout)) {
      let aliased = false;
      visit(doc, { Alias: () => void (aliased = true), Node: (_, n) => void (n.anchor && (aliased = true)) });
      expect(aliased, run.stdout).toBe(false);
    }
    for (const o of objs) {
      expect(o.metadata.name).toMatch(/^[a-z0-9][-a-z0-9.]*$/);
      if (!['Namespace', 'ClusterGraphDataPolicy'].includes(o.kind))
        expect(o.metadata.namespace).toBe(args[args.indexOf('-n') + 1] ?? 'default');
    }
  });

  it('prints the same objects as a JSON List with -o json', async () => {
    const [yaml, json] = await Promise.all([runCli(args), runCli([...args, '-o', 'json'])]);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout);
    const objs = docs(yaml.stdout);
    expect(objs.length > 1 ? parsed.items : [parsed]).toEqual(objs);
  });

  it('is accepted by the upstream CRDs, with no unknown fields', async () => {
    const objs = docs((await runCli(args)).stdout).filter((o) => hasCrd(o.apiVersion, o.kind));
    for (const o of objs) expect(crdErrors(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
  }, 60_000);

  it('passes kubectl graphdata validate with no errors or warnings', async () => {
    const run = await runCli(['validate', '-f', '-', '--strict', '-o', 'json'], { stdin: (await runCli(args)).stdout });
    expect(JSON.parse(run.stdout).diagnostics).toEqual([]);
    expect(run.code).toBe(0);
  });
});

describe('the strict CRD check', () => {
  it('catches a misspelt field the apiserver would silently prune', () => {
    const app = {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'x' },
      spec: {
        type: 'Scala',
        mode: 'cluster',
        sparkVersion: '3.5.1',
        mainApplicationFile: 'local:///a.jar',
        driver: { memroy: '1g' },
        executor: {},
      },
    };
    expect(crdErrors(app)).toContain('/spec/driver: must NOT have additional properties (memroy)');
  }, 60_000);
});

describe('scaffold spark', () => {
  it('relies on the webhook by default: no volumes, socket or placement in the spec', async () => {
    const app = find(docs((await runCli(SCAFFOLDS.spark!)).stdout), 'SparkApplication');
    expect(app.spec).toMatchObject({
      type: 'Scala',
      mode: 'cluster',
      sparkVersion: '3.5.1',
      image: 'apache/spark:3.5.1',
    });
    expect(app.spec.sparkConf['spark.hadoop.fs.alluxio.impl']).toBe('alluxio.hadoop.FileSystem');
    expect(app.spec.arguments[0]).toMatch(/^alluxio:\/\//);
    expect(app.spec.driver.serviceAccount).toBe('wordcount-driver');
    expect(app.spec.volumes).toBeUndefined();
    expect(app.spec.executor.nodeSelector).toBeUndefined();
  });

  it('--no-webhook writes the socket, placement, jar and -Dalluxio options from the built-in policy', async () => {
    const app = find(docs((await runCli(SCAFFOLDS['spark --no-webhook']!)).stdout), 'SparkApplication');
    expect(app.spec.volumes).toContainEqual({
      name: 'graphdata-alluxio-domain',
      hostPath: { path: '/tmp/alluxio-domain', type: 'Directory' },
    });
    expect(app.spec.executor.volumeMounts).toContainEqual({
      name: 'graphdata-alluxio-domain',
      mountPath: '/opt/domain',
      readOnly: true,
    });
    expect(app.spec.driver.volumeMounts).not.toContainEqual(expect.objectContaining({ mountPath: '/opt/domain' }));
    expect(app.spec.executor.nodeSelector).toEqual({ alluxio: 'true' });
    expect(app.spec.sparkConf['spark.executor.extraClassPath']).toBe(
      '/opt/graphdata/alluxio-client/alluxio-2.9.4-client.jar',
    );
    expect(app.spec.sparkConf['spark.driver.extraClassPath']).toBe(
      '/opt/graphdata/alluxio-client/alluxio-2.9.4-client.jar',
    );
    expect(app.spec.executor.javaOptions).toContain('-Dalluxio.master.hostname=alluxio-master-0.alluxio');
    expect(app.spec.executor.javaOptions).toContain('-Dalluxio.worker.data.server.domain.socket.address=/opt/domain');
    expect(app.spec.executor.initContainers[0]).toMatchObject({
      name: 'graphdata-alluxio-client',
      image: 'alluxio/alluxio:2.9.4',
    });
    // $(VAR) only expands in env values, so the node IP option stays there, after the variable.
    expect(app.spec.executor.env.map((e: { name: string }) => e.name)).toEqual([
      'ALLUXIO_CLIENT_HOSTNAME',
      'JAVA_TOOL_OPTIONS',
    ]);
  });

  it('--no-webhook under a cache: fluid policy says the master options are missing and how to add them', async () => {
    const fluid = [...SCAFFOLDS['spark --no-webhook']!, '--policy', 'examples/policy-tests/fluid/policy-fluid.yaml'];
    const yaml = await runCli(fluid);
    expect(yaml.code).toBe(0);
    const app = find(docs(yaml.stdout), 'SparkApplication');
    // Nothing offline knows the port Fluid gave the master: no guessed address is written.
    expect(JSON.stringify(app)).not.toContain('alluxio.master');
    expect(yaml.stdout).toMatch(/^# MISSING: the policy has cache: fluid, so no Alluxio master options/m);
    expect(yaml.stdout).toContain(
      "# To do: add -Dalluxio.master.hostname=DATASET-master-0.analytics -Dalluxio.master.rpc.port=PORT to spec.driver.javaOptions and spec.executor.javaOptions, with PORT from `kubectl get dataset DATASET -n analytics -o jsonpath='{.status.hcfs.endpoint}'`",
    );
    expect(yaml.stdout).not.toMatch(/^# Written .*client options/m);
    expect(yaml.stderr).toMatch(/^note: the policy has cache: fluid, so no Alluxio master options .*\n {2}hint: add /);
    // JSON has no comments: stderr still says it.
    const json = await runCli([...fluid, '-o', 'json']);
    expect(() => JSON.parse(json.stdout)).not.toThrow();
    expect(json.stderr).toContain('note: the policy has cache: fluid');
    // The shared Alluxio of the built-in policy needs nothing more.
    expect((await runCli(SCAFFOLDS['spark --no-webhook']!)).stderr).toBe('');
  });

  it('--no-webhook takes its values from --policy', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'gd-scaffold-')), 'policy.yaml');
    writeFileSync(
      file,
      'apiVersion: graphdata.io/v1alpha1\nkind: ClusterGraphDataPolicy\nmetadata: {name: p}\nspec:\n  alluxio: {domainSocket: {hostPath: /var/alluxio/socket, mountPath: /alluxio/socket}}\n  placement: {nodeLabels: {cache: ssd}}\n',
    );
    const app = find(
      docs((await runCli([...SCAFFOLDS['spark --no-webhook']!, '--policy', file])).stdout),
      'SparkApplication',
    );
    expect(app.spec.volumes).toContainEqual(
      expect.objectContaining({ hostPath: { path: '/var/alluxio/socket', type: 'Directory' } }),
    );
    expect(app.spec.executor.nodeSelector).toEqual({ cache: 'ssd' });
  });

  it('takes the job flags', async () => {
    const run = await runCli([
      ...SCAFFOLDS.spark!,
      '--image',
      'registry.internal/spark:3.5.1-alluxio',
      '--main-class',
      'com.acme.Etl',
      '--main-file',
      'local:///opt/app/etl.jar',
      '--arg',
      'alluxio:///in',
      '--arg',
      'alluxio:///out',
      '--executors',
      '8',
      '--executor-cores',
      '4',
      '--executor-memory',
      '8g',
    ]);
    const app = find(docs(run.stdout), 'SparkApplication');
    expect(app.spec).toMatchObject({
      image: 'registry.internal/spark:3.5.1-alluxio',
      mainClass: 'com.acme.Etl',
      mainApplicationFile: 'local:///opt/app/etl.jar',
      arguments: ['alluxio:///in', 'alluxio:///out'],
    });
    expect(app.spec.executor).toMatchObject({ instances: 8, cores: 4, coreLimit: '4200m', memory: '8g' });
  });

  it('refuses a floating image and a bad memory size as usage errors', async () => {
    expect((await runCli([...SCAFFOLDS.spark!, '--image', 'apache/spark:latest'])).code).toBe(2);
    const bad = await runCli([...SCAFFOLDS.spark!, '--executor-memory', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--executor-memory');
  });
});

describe('scaffold cn and starrocks-cluster', () => {
  it('cn writes the FE address as given and autoscales with autoscaling/v2', async () => {
    const objs = docs((await runCli(SCAFFOLDS.cn!)).stdout);
    const group = find(objs, 'ComputeNodeGroup');
    expect(group.spec.feInfo).toEqual({
      accountSecret: 'cn-pool-fe-account',
      addresses: ['kube-starrocks-fe-service.starrocks:9030'],
    });
    expect(group.spec.cnInfo.configMap).toBe('cn-pool-cn-config');
    expect(find(objs, 'ConfigMap').data['cn.conf']).toContain('heartbeat_service_port = 9050');
    const hpa = find(objs, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'starrocks.com/v1alpha1',
      kind: 'ComputeNodeGroup',
      name: 'cn-pool',
    });
    expect(hpa.spec.metrics.map((m: any) => m.resource.name)).toEqual(['cpu', 'memory']);
    expect(hpa.spec.behavior.scaleDown).toBeDefined();
  });

  it('cn prints no FE account Secret, so re-applying never resets the password; the notes say how to create it', async () => {
    const run = await runCli(SCAFFOLDS.cn!);
    expect(docs(run.stdout).some((o) => o.kind === 'Secret')).toBe(false);
    expect(run.stdout).not.toContain('FE_PWD: ');
    expect(run.stdout).toMatch(
      /^# .*kubectl -n starrocks create secret generic cn-pool-fe-account --from-literal=FE_USR=root --from-literal=FE_PWD=/m,
    );
    const other = await runCli([...SCAFFOLDS.cn!, '--fe-user', 'loader']);
    expect(other.stdout).toContain('--from-literal=FE_USR=loader');
    expect((await runCli([...SCAFFOLDS.cn!, '--fe-user', 'a b'])).code).toBe(2);
  });

  it('cn --operator-autoscaling puts min/max, metrics and behavior in spec.autoScalingPolicy instead', async () => {
    const objs = docs(
      (await runCli([...SCAFFOLDS.cn!, '--operator-autoscaling', '--min-replicas', '2', '--max-replicas', '6'])).stdout,
    );
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(find(objs, 'ComputeNodeGroup').spec.autoScalingPolicy).toMatchObject({
      minReplicas: 2,
      maxReplicas: 6,
      hpaPolicy: { metrics: expect.any(Array), behavior: expect.any(Object) },
    });
  });

  it('cn names every missing required flag at once, each with its hint', async () => {
    const run = await runCli(['scaffold', 'cn', 'cn-pool']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: --fe-address and --components-image are required\n/);
    expect(run.stderr).toMatch(/hint: --fe-address: give the FE MySQL address/);
    expect(run.stderr).toMatch(/hint: --components-image: the legacy operator runs/);
  });

  it('cn requires a real FE address and never writes a placeholder', async () => {
    const missing = await runCli(['scaffold', 'cn', 'cn-pool', '--components-image', 'registry.internal/c:v1']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--fe-address is required');
    for (const address of ['<ip>:<port>', 'xxx:9030', 'fe-host']) {
      const run = await runCli(['scaffold', 'cn', 'cn-pool', ...CN_FLAGS.slice(2), '--fe-address', address]);
      expect(run.code, address).toBe(2);
      expect(run.stdout).toBe('');
    }
  });

  it('rejects min above max', async () => {
    const run = await runCli([...SCAFFOLDS['starrocks-cluster']!, '--min-replicas', '5', '--max-replicas', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--min-replicas 5 is greater than --max-replicas 2');
  });

  it('starrocks-cluster autoscales CN on autoscaling/v2 with cpu and memory', async () => {
    const cluster = find(docs((await runCli(SCAFFOLDS['starrocks-cluster']!)).stdout), 'StarRocksCluster');
    expect(cluster.spec.starRocksFeSpec.image).toMatch(/^starrocks\/fe-ubuntu:\d/);
    expect(cluster.spec.starRocksCnSpec.autoScalingPolicy).toMatchObject({
      version: 'v2',
      minReplicas: 1,
      maxReplicas: 10,
    });
    expect(cluster.spec.starRocksCnSpec.replicas).toBeUndefined();
  });
});

describe('scaffold dataset', () => {
  it('scales the AlluxioRuntime on capacity_used_rate of the Dataset, with MEM and SSD tiers and the adapter rule', async () => {
    const objs = docs((await runCli([...SCAFFOLDS.dataset!, '--scale-at', '80'])).stdout);
    expect(find(objs, 'Dataset').spec.mounts).toEqual([{ mountPoint: 's3://warehouse/sales', name: 'sales' }]);
    expect(find(objs, 'AlluxioRuntime').spec.tieredstore.levels.map((l: any) => l.mediumtype)).toEqual(['MEM', 'SSD']);
    const hpa = find(objs, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'data.fluid.io/v1alpha1',
      kind: 'AlluxioRuntime',
      name: 'sales',
    });
    expect(hpa.spec.metrics[0].object).toEqual({
      metric: { name: 'capacity_used_rate' },
      describedObject: { apiVersion: 'data.fluid.io/v1alpha1', kind: 'Dataset', name: 'sales' },
      target: { type: 'Value', value: '80' },
    });
    const rules = parseAllDocuments(find(objs, 'ConfigMap').data['rules.yaml'])[0]!.toJS();
    expect(rules[0].name.as).toBe('capacity_used_rate');
  });

  it('needs --mount', async () => {
    const run = await runCli(['scaffold', 'dataset', 'sales']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--mount is required');
  });
});

describe('scaffold graphscope', () => {
  it('gives the coordinator its own ServiceAccount; default gets nothing, nobody gets deletecollection', async () => {
    const objs = docs((await runCli(SCAFFOLDS.graphscope!)).stdout);
    expect(find(objs, 'ServiceAccount').metadata).toEqual({ name: 'gs-coordinator', namespace: 'graph' });
    const bindings = objs.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    expect(bindings.flatMap((b) => b.subjects)).toEqual([
      { kind: 'ServiceAccount', name: 'gs-coordinator', namespace: 'graph' },
    ]);
    const rules = find(objs, 'Role').rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    const verbsOn = (resource: string) => rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs);
    expect(verbsOn('pods/exec').sort()).toEqual(['create', 'get']);
    expect(verbsOn('pods/log')).not.toContain('delete');
    expect(verbsOn('events')).toEqual(['get', 'list', 'watch']);
    expect(rules.flatMap((r) => r.verbs)).not.toContain('deletecollection');
    expect(rules.flatMap((r) => r.verbs)).not.toContain('*');
    for (const resource of ['pods', 'services', 'configmaps', 'deployments', 'statefulsets'])
      expect(verbsOn(resource)).toEqual(expect.arrayContaining(['create', 'delete', 'watch']));
  });

  it('refuses to bind the coordinator role to the default ServiceAccount', async () => {
    const run = await runCli([...SCAFFOLDS.graphscope!, '--service-account', 'default']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--service-account default');
  });

  it('labels the namespace for injection and points every image at --registry', async () => {
    const objs = docs((await runCli(SCAFFOLDS.graphscope!)).stdout);
    expect(find(objs, 'Namespace').metadata).toEqual({ name: 'graph', labels: { 'graphdata.io/inject': 'enabled' } });
    const data = find(objs, 'ConfigMap').data;
    expect(JSON.parse(data['session.json'])).toMatchObject({
      k8s_image_registry: 'registry.internal:5000',
      k8s_namespace: 'graph',
    });
    expect(data['values.yaml']).toContain('registry.internal:5000/graphscope/coordinator');
  });
});

describe('scaffold policy', () => {
  it('writes a namespaced GraphDataPolicy that parsePolicy loads with no diagnostics', async () => {
    const run = await runCli(SCAFFOLDS.policy!);
    const { policy, diagnostics } = parsePolicy(run.stdout);
    expect(diagnostics).toEqual([]);
    expect(policy).toMatchObject({ kind: 'GraphDataPolicy', name: 'team-a', namespace: 'team-a' });
    expect(policy!.spec.mode).toBe('Audit');
    expect(policy!.spec.limits).toEqual({ allowedRegistries: ['registry.internal', 'docker.io'], maxExecutorCores: 4 });
    // No mode unless asked: it inherits the cluster policy's (Audit under an Enforce one would loosen it).
    expect(run.stdout).not.toMatch(/^\s*mode:/m);
    expect(run.stdout).toContain('may only tighten');
    expect(run.stdout).toContain(
      "mode the cluster policy's: validate reports a broken limit as a warning or an error, as that mode says; a workload pod",
    );
    expect((await runCli([...SCAFFOLDS.policy!, '--mode', 'Enforce'])).stdout).toMatch(/^\s*mode: Enforce$/m);
  });

  it('writes a ClusterGraphDataPolicy with the built-in injection settings under --cluster', async () => {
    const { policy, diagnostics } = parsePolicy((await runCli(SCAFFOLDS['policy --cluster']!)).stdout);
    expect(diagnostics).toEqual([]);
    expect(policy).toMatchObject({ kind: 'ClusterGraphDataPolicy', name: 'default' });
    expect(policy!.namespace).toBeUndefined();
    expect(policy!.spec.mode).toBe('Enforce');
    expect(policy!.spec.alluxio.domainSocket).toEqual({ hostPath: '/tmp/alluxio-domain', mountPath: '/opt/domain' });
  });

  it('--pod-opt-in-namespaces writes spec.podOptIn, for --cluster only, in label syntax', async () => {
    const run = await runCli([
      'scaffold',
      'policy',
      'platform',
      '--cluster',
      '--pod-opt-in-namespaces',
      'platform.example/vela-apps=true,tier=gold',
    ]);
    const { policy, diagnostics } = parsePolicy(run.stdout);
    expect(diagnostics).toEqual([]);
    expect(policy!.spec.podOptIn).toEqual({
      namespaceSelector: { matchLabels: { 'platform.example/vela-apps': 'true', tier: 'gold' } },
    });
    expect(run.stdout).toContain('also served in namespaces labelled platform.example/vela-apps=true,tier=gold');
    expect((await runCli(['scaffold', 'policy', 'platform', '--cluster'])).stdout).not.toContain('podOptIn');
    const namespaced = await runCli(['scaffold', 'policy', 'p', '-n', 'a', '--pod-opt-in-namespaces', 'a=b']);
    expect(namespaced.code).toBe(2);
    expect(namespaced.stderr).toContain('--pod-opt-in-namespaces only applies with --cluster');
    for (const bad of ['novalue', '=x', 'bad key=x', 'a=b c', 'Bad_Prefix!/x=y'])
      expect((await runCli(['scaffold', 'policy', 'p', '--cluster', '--pod-opt-in-namespaces', bad])).code, bad).toBe(
        2,
      );
  });

  it('refuses values the policy schema would reject', async () => {
    expect((await runCli(['scaffold', 'policy', 'p', '--mode', 'Strict'])).code).toBe(2);
    const run = await runCli(['scaffold', 'policy', 'p', '--max-executor-memory', 'lots']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('maxExecutorMemory');
    // The wording --policy FILE uses for a policy it refuses.
    expect(run.stderr).toContain('error: policy GraphDataPolicy/p (from the flags) is invalid:\n  error policy-');
  });
});

describe('scaffold usage errors', () => {
  it('an unknown kind exits 2, lists the kinds and suggests the closest', async () => {
    const run = await runCli(['scaffold', 'sprak', 'job']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('unknown scaffold kind "sprak" — did you mean "spark"?');
    expect(run.stderr).toContain('spark, cn, starrocks-cluster, dataset, graphscope, policy');
  });

  it('no kind exits 2 and lists the kinds with an example', async () => {
    const run = await runCli(['scaffold']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('scaffold needs a kind: spark, cn, starrocks-cluster, dataset, graphscope, policy');
    expect(run.stderr).toContain('e.g. kubectl graphdata scaffold spark ');
  });

  it('a missing name exits 2 and shows what to type', async () => {
    const run = await runCli(['scaffold', 'dataset']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: scaffold dataset needs NAME');
    expect(run.stderr).toContain('e.g. kubectl graphdata scaffold dataset sales');
  });

  it.each([
    [['scaffold', 'spark', 'Word_Count'], 'name "Word_Count" must be lower-case', 'e.g. word-count'],
    [['scaffold', 'spark', 'job', '-n', 'Bad_NS'], 'namespace "Bad_NS" must be lower-case', 'e.g. -n bad-ns'],
    [['scaffold', 'dataset', 'sales', '--mount', 's3://b/p', '-n', 'a'.repeat(64)], 'longer than 63', ''],
    [['scaffold', 'policy', 'Team.A'], 'name "Team.A" must be', 'e.g. team-a'],
  ])('%j: a name Kubernetes would reject exits 2 before anything is printed', async (args, message, hint) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain(hint);
  });

  it('a flag of another kind exits 2 and names the kind that takes it', async () => {
    const run = await runCli(['scaffold', 'spark', 'job', '--mount', 's3://b/p']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('scaffold spark has no flag --mount (it is a flag of scaffold dataset)');
  });

  it('--policy without the mode that reads it is a usage error, not silently ignored', async () => {
    const spark = await runCli([...SCAFFOLDS.spark!, '--policy', 'p.yaml']);
    expect(spark.code).toBe(2);
    expect(spark.stderr).toContain('--policy only applies with --no-webhook');
    const policy = await runCli([...SCAFFOLDS.policy!, '--policy', 'p.yaml']);
    expect(policy.code).toBe(2);
    expect(policy.stderr).toContain('--policy only applies with --cluster');
  });

  it('a non-numeric count is rejected by the option parser (exit 2)', async () => {
    expect((await runCli(['scaffold', 'spark', 'job', '--executors', 'many'])).code).toBe(2);
  });
});
