// The KubeVela definitions graphdata ships, on the real control plane with KubeVela's CRDs
// (test/upstream-crds): they apply, an Application using them passes server dry-run, the
// objects they render (cue v0.14.1, trait unified in) pass the SparkApplication,
// StarRocksCluster and StatefulSet schemas, and a pod made from the rendered engine
// template, in a namespace where only pod-level opt-in is allowed, comes back injected.
// No KubeVela controller runs here: the rendering is cue's. The pod is created from the
// template directly, as the StatefulSet controller would create it (cluster-workloads
// shows the controllers' own pods injected).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../policies/k8s.js';
import { COMPONENT_TYPES } from '../../policies/vela/shipped-templates.js';
import { waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import {
  adminKubectl,
  type GuardedCluster,
  guardedCluster,
  podIn,
  tenantKubectl,
  tenantNamespaces,
} from '../security/e2e/tenant.js';
import { ensureCue, evalTemplate, unify } from '../support/cue.js';
import { kubectl } from '../support/kubectl.js';

const HOOK = 'e2e-vela';
const APPS = 'e2e-vela-apps';
const OPTED_IN = 'e2e-vela-ns';
const GATE = 'e2e.graphdata.io/vela-pods';

const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: HOOK },
  spec: {
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io', 'registry.cn-hongkong.aliyuncs.com'] },
    podOptIn: { namespaceSelector: { matchLabels: { [GATE]: 'yes' } } },
  },
};

const graphdata = (...args: string[]) => kubectl(['graphdata', ...args]);
const value = (r: ReturnType<typeof evalTemplate>) => {
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

let definitions: { kind: string; metadata: { name: string }; spec: { schematic: { cue: { template: string } } } }[];
let guarded: GuardedCluster;

/** What KubeVela would render for one component with the graphdata trait. */
function rendered(type: string, properties: object, trait: object = {}) {
  const template = (name: string) => definitions.find((d) => d.metadata.name === name)!.spec.schematic.cue.template;
  const ctx = { name: 'job1', namespace: APPS };
  const output = value(evalTemplate(template(type), ctx, properties, 'output'));
  const patch = value(evalTemplate(template('graphdata'), { ...ctx, output }, trait, 'patch'));
  return { ...value(unify(output, patch)), metadata: { name: 'job1', namespace: APPS } };
}

beforeAll(async () => {
  ensureCue();
  await tenantNamespaces([OPTED_IN]);
  await tenantNamespaces([APPS], { [GATE]: 'yes' });
  adminKubectl(['create', 'namespace', 'vela-system']);
  const created = adminKubectl(['apply', '-f', '-'], CLUSTER_POLICY);
  expect(created.code, created.stderr).toBe(0);
  guarded = await guardedCluster({
    name: HOOK,
    clusterPolicy: CLUSTER_POLICY,
    deniedProbe: podIn(
      { ...sparkExecutorPod(), spec: { containers: [{ name: 'x', image: 'quay.io/probe/x:1' }] } },
      OPTED_IN,
    ),
  });
  const scaffolded = graphdata('scaffold', 'vela-definitions', '-o', 'json');
  expect(scaffolded.code, scaffolded.stderr).toBe(0);
  const list = JSON.parse(scaffolded.stdout);
  definitions = list.items ?? list;
}, 900_000);

afterAll(async () => {
  await guarded?.stop();
  adminKubectl(['delete', 'clustergraphdatapolicy', HOOK, '--ignore-not-found']);
  adminKubectl(['delete', 'componentdefinitions,traitdefinitions', '-n', 'vela-system', '--all']);
  adminKubectl(['delete', 'componentdefinitions', '-n', APPS, '--all']);
  adminKubectl(['delete', 'pods', '--all', '-n', APPS, '--wait=false']);
});

describe('KubeVela definitions on the real control plane', () => {
  it('apply against KubeVela’s CRDs, as the scaffold prints them', () => {
    const run = adminKubectl(['apply', '-f', '-'], { apiVersion: 'v1', kind: 'List', items: definitions });
    expect(run.code, run.stderr).toBe(0);
    const got = adminKubectl(['get', 'componentdefinitions,traitdefinitions', '-n', 'vela-system', '-o', 'name']);
    expect(got.stdout.split('\n').filter(Boolean).sort()).toEqual(
      [
        ...Object.values(COMPONENT_TYPES).map((t) => `componentdefinition.core.oam.dev/${t}`),
        'traitdefinition.core.oam.dev/graphdata',
      ].sort(),
    );
  });

  it('an Application from scaffold vela-app passes server dry-run', () => {
    const app = graphdata(
      'scaffold',
      'vela-app',
      'wordcount',
      '-n',
      APPS,
      '--type',
      'spark',
      '--main-file',
      'local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar',
      '--main-class',
      'org.apache.spark.examples.JavaWordCount',
      '--arg',
      'alluxio:///data/input.txt',
      '-o',
      'json',
    );
    expect(app.code, app.stderr).toBe(0);
    const run = adminKubectl(['create', '--dry-run=server', '-f', '-', '-o', 'json'], app.stdout);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).spec.components[0]).toMatchObject({
      type: COMPONENT_TYPES.spark,
      traits: [{ type: 'graphdata' }],
    });
  });

  it('validate --server reads the definitions from vela-system: a misspelt property is an error at its line', () => {
    const app = `apiVersion: core.oam.dev/v1beta1
kind: Application
metadata: {name: wordcount, namespace: ${APPS}}
spec:
  components:
    - name: wordcount
      type: ${COMPONENT_TYPES.spark}
      properties:
        mainFile: local:///app.jar
        executor: {instances: 2, memroy: 2g}
      traits:
        - type: graphdata
`;
    const run = adminKubectl(['graphdata', 'validate', '--server', '-f', '-', '-o', 'json'], app);
    expect(run.code, run.stderr).toBe(1);
    const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: { code: string; path?: string; line?: number }[] };
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'vela-unknown-property',
        path: 'spec.components[0].properties.executor.memroy',
        line: 10,
      }),
    );
    const fixed = adminKubectl(['graphdata', 'validate', '--server', '-f', '-'], app.replace('memroy', 'memory'));
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    // A tenant may not read vela-system's definitions: the error names the RBAC it needs.
    const tenant = tenantKubectl(['graphdata', 'validate', '--server', '-f', '-'], app.replace('memroy', 'memory'));
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toMatch(
      /cannot list componentdefinitions\.core\.oam\.dev in namespace vela-system \(forbidden\)/,
    );
    expect(tenant.stderr).toContain(
      'get and list on componentdefinitions and traitdefinitions (API group core.oam.dev)',
    );
  });

  it("validate --server on an Application in a List reads its namespace's definitions as well", () => {
    // A definition only the Application's namespace has: found only if that namespace is read.
    const shipped = definitions.find((d) => d.metadata.name === COMPONENT_TYPES.spark)!;
    const own = { ...shipped, metadata: { name: 'team-spark-job', namespace: APPS } };
    const applied = adminKubectl(['apply', '-f', '-'], JSON.stringify(own));
    expect(applied.code, applied.stderr).toBe(0);
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: core.oam.dev/v1beta1
    kind: Application
    metadata: {name: wordcount, namespace: ${APPS}}
    spec:
      components:
        - name: wordcount
          type: team-spark-job
          properties:
            mainFile: local:///app.jar
            executor: {instances: 2, memroy: 2g}
`;
    const run = adminKubectl(['graphdata', 'validate', '--server', '-f', '-', '-o', 'json'], list);
    expect(run.code, run.stderr).toBe(1);
    const { diagnostics } = JSON.parse(run.stdout) as { diagnostics: { code: string; path?: string; line?: number }[] };
    expect(diagnostics.map((d) => d.code)).not.toContain('vela-unknown-type');
    expect(diagnostics).toContainEqual(
      expect.objectContaining({
        code: 'vela-unknown-property',
        path: 'items[0].spec.components[0].properties.executor.memroy',
        line: 13,
      }),
    );
  });

  it('what they render passes the SparkApplication, StarRocksCluster and StatefulSet schemas', () => {
    for (const object of [
      rendered(COMPONENT_TYPES.spark, { mainFile: 'local:///app.jar', args: ['alluxio:///in'] }, { profile: 'p' }),
      rendered(COMPONENT_TYPES['starrocks-cn'], { replicas: 2 }),
      rendered(COMPONENT_TYPES.graphscope, { workers: 2 }),
    ]) {
      const run = adminKubectl(['create', '--dry-run=server', '-f', '-', '-o', 'json'], object);
      expect(run.code, `${object.kind}: ${run.stderr}`).toBe(0);
    }
  });

  it('a pod of the rendered engine template, where only pod-level opt-in is allowed, comes back injected', async () => {
    const sts = rendered(COMPONENT_TYPES.graphscope, {});
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...sts.spec.template.metadata, generateName: 'job1-', namespace: APPS },
      spec: sts.spec.template.spec,
    } as Pod;
    let run = adminKubectl(['create', '-f', '-', '-o', 'json'], pod);
    // The pod-level entry is loaded by the apiserver's informer after the namespace one.
    await waitFor(async () => {
      if (run.code === 0 && JSON.parse(run.stdout).metadata.annotations?.['graphdata.io/injected']) return true;
      run = adminKubectl(['create', '-f', '-', '-o', 'json'], pod);
      return false;
    }, 'a pod-level injection');
    const created = JSON.parse(run.stdout) as Pod;
    expect(created.metadata?.labels?.['graphdata.io/inject']).toBe('enabled');
    expect(created.metadata?.annotations?.['graphdata.io/injected']).toContain(`ClusterGraphDataPolicy/${HOOK}`);
  });
});
