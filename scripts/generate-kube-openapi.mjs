// Writes policies/kube-openapi/<version>.json: the OpenAPI v3 schemas of the built-in
// kinds `validate` checks, as the Kubernetes apiserver of that version serves them
// (/openapi/v3), without `description` texts and without the schemas no listed kind
// reaches. Needs `npm run build` first (it starts the e2e control plane from dist/).
// Usage: node scripts/generate-kube-openapi.mjs [v1.37.2]   (default: test/cluster/versions.json)
// Then update the table in policies/kube-openapi/README.md.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const versions = JSON.parse(readFileSync(join(root, 'test/cluster/versions.json'), 'utf8'));
const version = process.argv[2] ?? versions.default;
const binDir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'graphdata', `k8s-${version}`);

/** The group-versions fetched, and the kinds of each that are kept (what users write beside workloads). */
const KINDS = {
  'api/v1': [
    'Pod',
    'ReplicationController',
    'Service',
    'ConfigMap',
    'Secret',
    'ServiceAccount',
    'PersistentVolumeClaim',
    'PersistentVolume',
    'Namespace',
    'LimitRange',
    'ResourceQuota',
  ],
  'apis/apps/v1': ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'],
  'apis/batch/v1': ['Job', 'CronJob'],
  'apis/autoscaling/v1': ['HorizontalPodAutoscaler'],
  'apis/autoscaling/v2': ['HorizontalPodAutoscaler'],
  'apis/policy/v1': ['PodDisruptionBudget'],
  'apis/networking.k8s.io/v1': ['NetworkPolicy', 'Ingress'],
  'apis/rbac.authorization.k8s.io/v1': ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'],
  'apis/scheduling.k8s.io/v1': ['PriorityClass'],
  'apis/storage.k8s.io/v1': ['StorageClass'],
};

/** Drops OpenAPI `description` keywords; a field *named* description (a key of `properties`) stays. */
function strip(node, underProperties = false) {
  if (Array.isArray(node)) return node.map((item) => strip(item));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!underProperties && key === 'description' && typeof value === 'string') continue;
    out[key] = strip(value, !underProperties && key === 'properties');
  }
  return out;
}

function refsOf(node, into) {
  if (Array.isArray(node)) for (const item of node) refsOf(item, into);
  else if (node !== null && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.add(value.replace('#/components/schemas/', ''));
      else refsOf(value, into);
    }
}

const { ControlPlane } = await import(join(root, 'dist/test/cluster/control-plane.js'));
const cp = await ControlPlane.start({ binDir });
const kinds = {};
const schemas = {};
try {
  for (const [path, wanted] of Object.entries(KINDS)) {
    const doc = JSON.parse(
      execFileSync(
        join(binDir, 'kubectl'),
        ['--kubeconfig', cp.info.kubeconfig, 'get', '--raw', `/openapi/v3/${path}`],
        {
          maxBuffer: 64 << 20,
          encoding: 'utf8',
        },
      ),
    );
    const all = doc.components.schemas;
    const groupVersion = path === 'api/v1' ? 'v1' : path.slice('apis/'.length);
    const pending = [];
    for (const kind of wanted) {
      const name = Object.keys(all).find((n) =>
        (all[n]['x-kubernetes-group-version-kind'] ?? []).some(
          (gvk) => gvk.kind === kind && (gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version) === groupVersion,
        ),
      );
      if (!name) throw new Error(`${path}: no schema for kind ${kind}`);
      kinds[`${groupVersion}/${kind}`] = name;
      pending.push(name);
    }
    while (pending.length) {
      const name = pending.pop();
      if (schemas[name]) continue;
      if (!all[name]) throw new Error(`${path}: $ref to missing schema ${name}`);
      schemas[name] = strip(all[name]);
      const refs = new Set();
      refsOf(schemas[name], refs);
      pending.push(...refs);
    }
  }
} finally {
  await cp.stop();
}

const sorted = Object.fromEntries(
  Object.keys(schemas)
    .sort()
    .map((n) => [n, schemas[n]]),
);
const out = join(root, 'policies/kube-openapi', `${version}.json`);
writeFileSync(out, `${JSON.stringify({ kubernetes: version, kinds, schemas: sorted })}\n`);
console.log(
  `${out}: ${Object.keys(kinds).length} kinds, ${Object.keys(sorted).length} schemas, ${readFileSync(out).length} bytes`,
);
