// validate: nothing unknown passes silently. A version or kind that a known API group
// does not serve is an error naming what it does serve; objects of groups graphdata
// knows nothing about are listed once as not checked, and fail the run with --strict.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KNOWN_APIS, checkApi } from '../../../../policies/api-catalog.js';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import { POD_TEMPLATE_API_VERSIONS } from '../../../../policies/k8s.js';
import { RESOURCE_SCHEMAS } from '../../../../policies/resource-schemas/index.js';
import { runCli as cli } from '../run-cli.js';

interface Report {
  valid: boolean;
  summary: Record<string, number>;
  diagnostics: Diagnostic[];
}

async function validate(yaml: string, ...args: string[]): Promise<{ code: number; report: Report }> {
  const run = await cli(['validate', '-f', '-', '-o', 'json', ...args], { stdin: yaml });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

const object = (apiVersion: string, kind: string, rest = '') =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n${rest}`;

const EXECUTOR_SPEC = `  labels:
    spark-role: executor
spec:
  containers:
    - name: executor
      image: apache/spark:3.5.1
`;

describe('validate: versions and kinds of the groups graphdata knows', () => {
  it.each([
    [
      'sparkoperator.k8s.io/v1beta1',
      'SparkApplication',
      'sparkoperator.k8s.io/v1beta1 SparkApplication is not served; use v1beta2',
      'apiVersion',
      'set apiVersion: sparkoperator.k8s.io/v1beta2',
    ],
    ['v2', 'Pod', 'v2 Pod is not served; use v1', 'apiVersion', 'set apiVersion: v1'],
    ['apps/v1', 'Job', 'apps/v1 Job is not served; Job is in batch/v1', 'apiVersion', 'set apiVersion: batch/v1'],
    [
      'apps/v1',
      'Deploymnet',
      'apps/v1 Deploymnet is not served; did you mean Deployment?',
      'kind',
      'apps/v1 serves ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet',
    ],
    [
      'starrocks.com/v2',
      'StarRocksCluster',
      'starrocks.com/v2 StarRocksCluster is not served; use v1',
      'apiVersion',
      'set apiVersion: starrocks.com/v1',
    ],
    [
      'data.fluid.io/v1alpha1',
      'AluxioRuntime',
      'data.fluid.io/v1alpha1 AluxioRuntime is not served; did you mean AlluxioRuntime?',
      'kind',
      expect.stringContaining('Dataset'),
    ],
    [
      'graphdata.io/v1',
      'ClusterGraphDataPolicy',
      'graphdata.io/v1 ClusterGraphDataPolicy is not served; use v1alpha1',
      'apiVersion',
      'set apiVersion: graphdata.io/v1alpha1',
    ],
    [
      'autoscaling/v3',
      'HorizontalPodAutoscaler',
      'autoscaling/v3 HorizontalPodAutoscaler is not served; use v1 or v2',
      'apiVersion',
      'set apiVersion: autoscaling/v2',
    ],
    [
      'batch/v2',
      'Widget',
      'batch/v2 Widget is not served; batch serves v1',
      'apiVersion',
      expect.stringContaining('batch/v1'),
    ],
  ])('%s %s is an error naming what is served', async (apiVersion, kind, message, field, hint) => {
    const { code, report } = await validate(object(apiVersion, kind));
    expect(code).toBe(1);
    expect(report.diagnostics).toContainEqual({
      severity: 'error',
      code: 'api-not-served',
      message,
      hint,
      path: field,
      file: '<stdin>',
      line: field === 'apiVersion' ? 1 : 2,
      column: field === 'apiVersion' ? 13 : 7,
    });
  });

  it('checks List items one by one, at their own lines', async () => {
    const yaml = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: ok}
  - apiVersion: v2
    kind: Pod
    metadata: {name: p}
    spec: {containers: [{name: c, image: busybox:1.36}]}
`;
    const { report } = await validate(yaml);
    expect(report.diagnostics.filter((d) => d.code === 'api-not-served')).toEqual([
      expect.objectContaining({ path: 'items[1].apiVersion', line: 7, message: 'v2 Pod is not served; use v1' }),
    ]);
  });

  it('leaves removed APIs to removed-api, once', async () => {
    const { report } = await validate(
      object('autoscaling/v2beta2', 'HorizontalPodAutoscaler', 'spec: {minReplicas: 1, maxReplicas: 2}\n'),
    );
    expect(report.diagnostics.map((d) => d.code)).not.toContain('api-not-served');
    expect(report.diagnostics.filter((d) => d.code === 'removed-api')).toHaveLength(1);
  });

  it('knows every kind the resource schemas check, and every List of a served kind', () => {
    // Schema entries pair several apiVersions with several kinds (apps/v1 and batch/v1 templates).
    for (const entry of RESOURCE_SCHEMAS) {
      const served = (apiVersion: string, kind: string) => checkApi(apiVersion, kind).status === 'served';
      for (const kind of entry.kinds)
        expect(
          entry.apiVersions.some((a) => served(a, kind)),
          kind,
        ).toBe(true);
      for (const apiVersion of entry.apiVersions.filter((a) => a !== 'autoscaling/v2beta2'))
        expect(
          entry.kinds.some((k) => served(apiVersion, k)),
          apiVersion,
        ).toBe(true);
    }
    for (const [group, versions] of Object.entries(KNOWN_APIS))
      for (const [version, kinds] of Object.entries(versions))
        for (const kind of kinds)
          expect(checkApi(group ? `${group}/${version}` : version, `${kind}List`).status).toBe('served');
    expect(checkApi('v1', 'List').status).toBe('served');
    for (const [kind, apiVersion] of Object.entries(POD_TEMPLATE_API_VERSIONS))
      expect(checkApi(apiVersion, kind).status, kind).toBe('served');
  });
});

describe('validate: groups graphdata knows nothing about', () => {
  const MONITORING = [
    object('monitoring.coreos.com/v1', 'ServiceMonitor'),
    object('monitoring.coreos.com/v1', 'PodMonitor'),
    object('monitoring.coreos.com/v1', 'ServiceMonitor'),
    object('networking.istio.io/v1', 'VirtualService'),
  ].join('---\n');

  it('are listed once per group as not checked, at the first object, and do not fail the run', async () => {
    const { code, report } = await validate(MONITORING);
    expect(code).toBe(0);
    expect(report.diagnostics).toEqual([
      {
        severity: 'info',
        code: 'not-checked',
        message:
          '3 objects of API group monitoring.coreos.com not checked (monitoring.coreos.com/v1 ServiceMonitor, monitoring.coreos.com/v1 PodMonitor): graphdata knows nothing about this group',
        hint: expect.stringContaining('--server'),
        path: 'apiVersion',
        file: '<stdin>',
        line: 1,
        column: 13,
      },
      expect.objectContaining({
        severity: 'info',
        code: 'not-checked',
        message: expect.stringMatching(/^1 object of API group networking\.istio\.io not checked/),
        line: 16,
      }),
    ]);
    expect(report.summary).toMatchObject({ errors: 0, warnings: 0, infos: 2 });
  });

  it('are errors with --strict', async () => {
    const { code, report } = await validate(MONITORING, '--strict');
    expect(code).toBe(1);
    expect(report.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['not-checked', 'error'],
      ['not-checked', 'error'],
    ]);
    expect(report.valid).toBe(false);
  });

  it('core, apps, batch, autoscaling, policy, networking and RBAC are never "not checked"', async () => {
    const yaml = [
      object('v1', 'ConfigMap'),
      // A Deployment without spec is invalid (the apiserver's schema requires it).
      object('apps/v1', 'Deployment', DEPLOYMENT_SPEC),
      object('batch/v1', 'Job'),
      object('rbac.authorization.k8s.io/v1', 'Role'),
      object('policy/v1', 'PodDisruptionBudget'),
      object('networking.k8s.io/v1', 'NetworkPolicy'),
    ].join('---\n');
    const { code, report } = await validate(yaml, '--strict');
    expect(report.diagnostics.map((d) => d.code)).not.toContain('not-checked');
    expect(code).toBe(0);
  });
});

const DEPLOYMENT_SPEC = `spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: registry.internal/app:1.0}]}
`;

describe('inject: a Pod in an apiVersion nobody serves', () => {
  it('is not injected, and a warning says why', async () => {
    const yaml = object('v2', 'Pod', EXECUTOR_SPEC);
    const run = await cli(['inject', '-f', '-'], { stdin: yaml });
    expect(run.code).toBe(0);
    expect(parseAllDocuments(run.stdout).map((d) => d.toJS())).toEqual([parseAllDocuments(yaml)[0]!.toJS()]);
    expect(run.stderr).toContain('<stdin>:1:13: warning api-not-served: v2 Pod is not served; use v1; not injected');
    // The same pod in v1 is injected: the version is the only difference.
    const v1 = await cli(['inject', '-f', '-'], { stdin: object('v1', 'Pod', EXECUTOR_SPEC) });
    expect(v1.stdout).toContain('graphdata.io/injected');
  });

  it('a Deployment in a group that is not apps is no pod template', async () => {
    const template = `spec:
  template:
    metadata:
      labels:
        spark-role: executor
    spec:
      containers:
        - name: executor
          image: apache/spark:3.5.1
`;
    const yaml = object('example.com/v1', 'Deployment', template);
    expect((await cli(['inject', '-f', '-'], { stdin: object('apps/v1', 'Deployment', template) })).stdout).toContain(
      'graphdata.io/injected',
    );
    const run = await cli(['inject', '-f', '-'], { stdin: yaml });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('graphdata.io/injected');
  });
});
