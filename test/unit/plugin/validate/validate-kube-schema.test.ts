// validate checks built-in kinds against the apiserver's own OpenAPI schemas
// (policies/kube-openapi/): a misspelt field is an error at its line with a did-you-mean,
// --strict or not, as `kubectl apply` would refuse it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import {
  KUBE_OPENAPI_VERSION,
  type KubeOpenApi,
  KubeSchemaChecker,
  toJsonSchema,
} from '../../../../policies/kube-schema.js';
import { REPO_ROOT } from '../../../support/spawn-webhook.js';
import { runCli as cli } from '../run-cli.js';

interface Report {
  valid: boolean;
  diagnostics: Diagnostic[];
}

async function validate(yaml: string, ...args: string[]): Promise<{ code: number; report: Report }> {
  const run = await cli(['validate', '-f', '-', '-o', 'json', ...args], { stdin: yaml });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

const TYPOS = `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotashuns:
    a: b
spec:
  nodeSelectr:
    a: b
  volumez: []
  containers:
    - name: c
      image: registry.internal/app:1.0
      env:
        - name: A
          valu: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  replica: 2
  selector:
    matchLabels: {app: d}
  template:
    metadata:
      labels: {app: d}
    spec:
      containers:
        - name: c
          image: registry.internal/app:1.0
---
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  portz:
    - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
dataa:
  a: b
`;

const openapi = (): KubeOpenApi =>
  JSON.parse(
    readFileSync(join(REPO_ROOT, 'policies', 'kube-openapi', `${KUBE_OPENAPI_VERSION}.json`), 'utf8'),
  ) as KubeOpenApi;

describe('validate: built-in kinds against the Kubernetes OpenAPI schemas', () => {
  it('reports every misspelt field of a Pod, Deployment, Service and ConfigMap with line, path and did-you-mean', async () => {
    for (const strict of [[], ['--strict']]) {
      const { code, report } = await validate(TYPOS, ...strict);
      expect(code).toBe(1);
      const unknown = report.diagnostics
        .filter((d) => d.code === 'schema-additionalProperties')
        .map((d) => [d.severity, d.line, d.path, d.hint]);
      expect(unknown).toEqual([
        ['error', 5, 'metadata.annotashuns', 'did you mean "annotations"?'],
        ['error', 8, 'spec.nodeSelectr', 'did you mean "nodeSelector"?'],
        ['error', 10, 'spec.volumez', 'did you mean "volumes"?'],
        ['error', 16, 'spec.containers[0].env[0].valu', 'did you mean "value"?'],
        ['error', 23, 'spec.replica', 'did you mean "replicas"?'],
        ['error', 39, 'spec.portz', 'did you mean "ports"?'],
        ['error', 46, 'dataa', 'did you mean "data"?'],
      ]);
      expect(report.diagnostics.find((d) => d.path === 'spec.nodeSelectr')?.message).toBe(
        `unknown field "nodeSelectr": Pod has no such field in Kubernetes ${KUBE_OPENAPI_VERSION}`,
      );
    }
  });

  it('says a misspelt container field once, though graphdata has its own pod schema too', async () => {
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: c
      image: registry.internal/app:1.0
      imagePullPolicyy: Always
`;
    const { report } = await validate(pod);
    expect(report.diagnostics.filter((d) => d.path === 'spec.containers[0].imagePullPolicyy')).toHaveLength(1);
  });

  it('checks kinds users write beside workloads: RBAC, PDB, NetworkPolicy, HPA, PVC, CronJob', async () => {
    const cases: [string, string, string, string][] = [
      ['rbac.authorization.k8s.io/v1', 'Role', 'rulez: []', 'rulez'],
      [
        'rbac.authorization.k8s.io/v1',
        'ClusterRoleBinding',
        'roleRef: {kind: ClusterRole, name: x, apiGrup: x}',
        'roleRef.apiGrup',
      ],
      ['policy/v1', 'PodDisruptionBudget', 'spec: {minAvaliable: 1}', 'spec.minAvaliable'],
      ['networking.k8s.io/v1', 'NetworkPolicy', 'spec: {podSelectr: {}}', 'spec.podSelectr'],
      [
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        'spec: {maxReplicas: 2, minReplica: 1, scaleTargetRef: {kind: Deployment, name: x}}',
        'spec.minReplica',
      ],
      ['v1', 'PersistentVolumeClaim', 'spec: {acessModes: [ReadWriteOnce]}', 'spec.acessModes'],
      [
        'batch/v1',
        'CronJob',
        'spec: {schedul: "* * * * *", jobTemplate: {spec: {template: {spec: {containers: []}}}}}',
        'spec.schedul',
      ],
      ['v1', 'Secret', 'stringdata: {a: b}', 'stringdata'],
      ['v1', 'ServiceAccount', 'automountServiceAccountTokn: false', 'automountServiceAccountTokn'],
      ['v1', 'Namespace', 'spec: {finalizer: []}', 'spec.finalizer'],
    ];
    for (const [apiVersion, kind, rest, path] of cases) {
      const { code, report } = await validate(
        `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\n${rest}\n`,
      );
      expect(code, `${kind} ${path}`).toBe(1);
      const found = report.diagnostics.find((d) => d.code === 'schema-additionalProperties');
      expect(found?.path, `${kind}`).toBe(path);
      expect(found?.line).toBe(4);
      expect(found?.hint).toMatch(/^did you mean "/);
    }
  });

  it('takes int-or-string and quantities either way, nulls as absent, and says a wrong type once', async () => {
    const ok = `apiVersion: v1
kind: Service
metadata:
  name: s
  creationTimestamp: null
spec:
  ports:
    - {port: 80, targetPort: http}
    - {port: 81, targetPort: 8080}
---
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
spec:
  containers:
    - name: c
      image: registry.internal/app:1.0
      resources: {limits: {cpu: 2, memory: 1Gi}, requests: {cpu: 0.5}}
`;
    expect((await validate(ok)).report.diagnostics.filter((d) => d.code.startsWith('schema-'))).toEqual([]);
    const bad = `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n    - {port: 80, targetPort: true}\n`;
    const found = (await validate(bad)).report.diagnostics.filter((d) => d.code.startsWith('schema-'));
    expect(found.map((d) => [d.code, d.path, d.message])).toEqual([
      ['schema-type', 'spec.ports[0].targetPort', 'must be integer,string, got boolean'],
    ]);
  });

  it('leaves kinds it has no schema for, and custom resources, to the other checks', async () => {
    const { report } = await validate(
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {anything: 1}\n',
    );
    expect(report.diagnostics.map((d) => d.code)).toEqual(['not-checked']);
  });
});

describe('policies/kube-schema', () => {
  it('closes objects that list properties, except where x-kubernetes-preserve-unknown-fields says so', () => {
    expect(toJsonSchema({ type: 'object', properties: { a: { type: 'string' } } })).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      additionalProperties: false,
    });
    expect(
      toJsonSchema({ type: 'object', properties: { a: {} }, 'x-kubernetes-preserve-unknown-fields': true }),
    ).toEqual({ type: 'object', properties: { a: {} } });
    // A field named `default` or `format` is a field, not a keyword.
    expect(toJsonSchema({ type: 'object', properties: { default: { type: 'string', default: 'x' } } })).toEqual({
      type: 'object',
      properties: { default: { type: 'string' } },
      additionalProperties: false,
    });
  });

  it('compiles a kind on use when the build left no validators, with the same findings', () => {
    const checker = new KubeSchemaChecker(openapi());
    expect(checker.check({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, dataa: {} })).toEqual([
      expect.objectContaining({ code: 'schema-additionalProperties', path: 'dataa', hint: 'did you mean "data"?' }),
    ]);
    expect(checker.check({ apiVersion: 'v1', kind: 'Widget' })).toBeUndefined();
  });

  it('ships the schemas of the Kubernetes release the e2e tests run, with provenance', () => {
    const versions = JSON.parse(readFileSync(join(REPO_ROOT, 'test/cluster/versions.json'), 'utf8')) as {
      default: string;
    };
    expect(KUBE_OPENAPI_VERSION).toBe(versions.default);
    expect(openapi().kubernetes).toBe(KUBE_OPENAPI_VERSION);
    const readme = readFileSync(join(REPO_ROOT, 'policies/kube-openapi/README.md'), 'utf8');
    expect(readme).toContain(`${KUBE_OPENAPI_VERSION}.json`);
    expect(existsSync(join(REPO_ROOT, 'scripts/generate-kube-openapi.mjs'))).toBe(true);
    for (const kind of [
      'v1/Pod',
      'apps/v1/Deployment',
      'apps/v1/StatefulSet',
      'apps/v1/DaemonSet',
      'apps/v1/ReplicaSet',
      'v1/ReplicationController',
      'batch/v1/Job',
      'batch/v1/CronJob',
      'v1/Service',
      'v1/ConfigMap',
      'v1/Secret',
      'v1/ServiceAccount',
      'v1/PersistentVolumeClaim',
      'v1/Namespace',
      'autoscaling/v2/HorizontalPodAutoscaler',
      'policy/v1/PodDisruptionBudget',
      'networking.k8s.io/v1/NetworkPolicy',
      'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/RoleBinding',
      'rbac.authorization.k8s.io/v1/ClusterRole',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
    ])
      expect(Object.keys(openapi().kinds)).toContain(kind);
  });
});
