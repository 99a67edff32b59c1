// Who may do what with policies, on the real control plane with real RBAC: the policy
// ClusterRoles from the install bundle, aggregated into the built-in admin/edit/view
// roles by kube-controller-manager's aggregation controller (test/cluster runs it), a
// tenant bound to those roles in their namespace, and the real kubectl as that tenant.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyClusterRoles } from '../../plugin/webhook-objects/manifests.js';
import { validatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../policies/k8s.js';
import { cluster, ensureNamespace, installPolicyCrds, kubeConfig, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../support/spawn-webhook.js';

const HOOK = 'graphdata-rbac';
/** The tenant is bound to `edit` here, `admin` in OWNED, `view` in VIEWED, nothing in OTHER. */
const EDITED = 'rbac-edit';
const OWNED = 'rbac-admin';
const VIEWED = 'rbac-view';
const OTHER = 'rbac-other';
const kc = () => kubeConfig('admin');
const rbac = () => kc().makeApiClient(k8s.RbacAuthorizationV1Api);
const admission = () => kc().makeApiClient(k8s.AdmissionregistrationV1Api);
const asAdmin = () => ['--kubeconfig', cluster().kubeconfig, '--context', cluster().adminContext];
const asTenant = () => ['--kubeconfig', cluster().kubeconfig, '--context', cluster().tenantContext];

/** `kubectl auth can-i`, as the tenant: true for "yes" (exit 0), false for "no" (exit 1). */
function tenantCan(verb: string, resource: string, namespace?: string, ...extra: string[]): boolean {
  const ns = namespace ? ['-n', namespace] : [];
  const run = kubectl(['auth', 'can-i', verb, resource, ...ns, ...extra, ...asTenant()]);
  expect([0, 1], run.stderr).toContain(run.code);
  expect(run.stdout.trim()).toBe(run.code === 0 ? 'yes' : 'no');
  return run.code === 0;
}

const tenantCreate = (object: object, ...extra: string[]) =>
  kubectl(['create', '-f', '-', '-o', 'json', ...extra, ...asTenant()], { input: JSON.stringify(object) });

const podIn = (pod: Pod, namespace: string) => ({
  ...pod,
  metadata: { ...pod.metadata, name: undefined, generateName: `${pod.metadata?.name ?? 'pod'}-`, namespace },
});

async function bindTenant(namespace: string, clusterRole: string): Promise<void> {
  await rbac()
    .createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: `tenant-${clusterRole}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: cluster().tenantUser }],
      },
    })
    .catch((error) => {
      if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
    });
}

const aggregatedInto = async (role: string) =>
  (await rbac().readClusterRole({ name: role })).rules?.some((r) => r.resources?.includes('graphdatapolicies')) ??
  false;

let webhook: RunningWebhook | undefined;

beforeAll(async () => {
  installPolicyCrds();
  const roles = kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-', ...asAdmin()], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: policyClusterRoles() }),
  });
  expect(roles.code, roles.stderr).toBe(0);
  await ensureNamespace(EDITED, { 'graphdata.io/inject': 'enabled' });
  await ensureNamespace(OWNED);
  await ensureNamespace(VIEWED);
  await ensureNamespace(OTHER);
  await bindTenant(EDITED, 'edit');
  await bindTenant(OWNED, 'admin');
  await bindTenant(VIEWED, 'view');
  for (const role of ['admin', 'edit', 'view']) await waitFor(() => aggregatedInto(role), `aggregation into ${role}`);
});

afterAll(async () => {
  // install.test.ts's uninstall keeps the policy CRDs while any policy exists: leave none.
  for (const namespace of [EDITED, OWNED, VIEWED, OTHER]) {
    kubectl(['delete', 'graphdatapolicies', '--all', '-n', namespace, '--wait=false', ...asAdmin()]);
  }
  await admission()
    .deleteValidatingWebhookConfiguration({ name: HOOK })
    .catch(() => undefined);
  for (const role of policyClusterRoles()) {
    await rbac()
      .deleteClusterRole({ name: role.metadata.name })
      .catch(() => undefined);
  }
  await webhook?.stop();
});

describe('policy RBAC through the built-in roles', () => {
  it('the install bundle’s roles land in admin, edit and view, and nothing there writes cluster policies', async () => {
    for (const role of ['admin', 'edit', 'view']) {
      const rules = (await rbac().readClusterRole({ name: role })).rules ?? [];
      const ours = rules.filter((r) => r.apiGroups?.includes('graphdata.io'));
      expect(ours.length, role).toBeGreaterThan(0);
      expect(ours.flatMap((r) => r.resources ?? [])).not.toContain('clustergraphdatapolicies');
    }
  });

  it('edit and admin manage GraphDataPolicy in their namespace only; view reads it', () => {
    for (const verb of ['create', 'update', 'patch', 'delete', 'get', 'list', 'watch']) {
      expect(tenantCan(verb, 'graphdatapolicies.graphdata.io', EDITED), `${verb} in ${EDITED}`).toBe(true);
      expect(tenantCan(verb, 'graphdatapolicies.graphdata.io', OWNED), `${verb} in ${OWNED}`).toBe(true);
      expect(tenantCan(verb, 'graphdatapolicies.graphdata.io', OTHER), `${verb} in ${OTHER}`).toBe(false);
    }
    expect(tenantCan('get', 'graphdatapolicies.graphdata.io', VIEWED)).toBe(true);
    expect(tenantCan('list', 'graphdatapolicies.graphdata.io', VIEWED)).toBe(true);
    expect(tenantCan('create', 'graphdatapolicies.graphdata.io', VIEWED)).toBe(false);
    // The status is the webhook's to write.
    expect(tenantCan('update', 'graphdatapolicies.graphdata.io', EDITED, '--subresource=status')).toBe(false);
  });

  it('no tenant role writes ClusterGraphDataPolicy, and creating one is Forbidden', () => {
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      expect(tenantCan(verb, 'clustergraphdatapolicies.graphdata.io'), verb).toBe(false);
    }
    const run = tenantCreate({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'ClusterGraphDataPolicy',
      metadata: { name: 'rbac-tenant-escape' },
      spec: { mode: 'Audit' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Forbidden');
    expect(run.stderr).toContain(
      `User "${cluster().tenantUser}" cannot create resource "clustergraphdatapolicies" in API group "graphdata.io" at the cluster scope`,
    );
  });

  it('a tenant with edit creates a GraphDataPolicy in their namespace, not in another', () => {
    const policy = (namespace: string) => ({
      apiVersion: 'graphdata.io/v1alpha1',
      kind: 'GraphDataPolicy',
      metadata: { generateName: 'tenant-', namespace },
      spec: { mode: 'Enforce', limits: { allowedRegistries: ['docker.io'] } },
    });
    const ok = tenantCreate(policy(EDITED));
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).metadata.namespace).toBe(EDITED);
    const denied = tenantCreate(policy(OTHER));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Forbidden');
  });

  it('no tenant role may relabel a namespace (the opt-in label is the cluster admin’s)', () => {
    for (const namespace of [EDITED, OWNED]) {
      expect(tenantCan('patch', `namespaces/${namespace}`), namespace).toBe(false);
      expect(tenantCan('update', `namespaces/${namespace}`), namespace).toBe(false);
    }
    const run = kubectl(['label', 'namespace', EDITED, 'graphdata.io/inject-', ...asTenant()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Forbidden');
  });
});

describe('a tenant cannot escape enforcement by labelling a pod', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gd-rbac-'));
    writeFileSync(
      join(dir, 'policy.json'),
      JSON.stringify({
        apiVersion: 'graphdata.io/v1alpha1',
        kind: 'ClusterGraphDataPolicy',
        metadata: { name: 'rbac' },
        spec: { mode: 'Enforce', limits: { allowedRegistries: ['docker.io'] } },
      }),
    );
    webhook = await startDevWebhook(['--policy', join(dir, 'policy.json')]);
    await admission()
      .deleteValidatingWebhookConfiguration({ name: HOOK })
      .catch(() => undefined);
    await admission().createValidatingWebhookConfiguration({
      body: validatingWebhookConfiguration({
        name: HOOK,
        endpoint: { url: webhook.url },
        caBundle: webhook.ca,
        ownNamespace: 'graphdata-system',
      }),
    });
    const quay = quayExecutor();
    await waitFor(async () => {
      const run = tenantCreate(podIn(quay, EDITED), '--dry-run=server');
      return run.code !== 0 && run.stderr.includes(`validate.${HOOK}.graphdata.io`);
    }, 'the validating webhook');
  });

  const quayExecutor = (): Pod => {
    const pod = sparkExecutorPod();
    pod.spec!.containers[0]!.image = 'quay.io/acme/spark:3.5.1';
    pod.metadata!.labels!['graphdata.io/inject'] = 'false';
    return pod;
  };

  it('the tenant may create pods there (so the denial below is the webhook’s, not RBAC’s)', () => {
    expect(tenantCan('create', 'pods', EDITED)).toBe(true);
    const clean = sparkExecutorPod();
    clean.metadata!.labels!['graphdata.io/inject'] = 'false';
    const run = tenantCreate(podIn(clean, EDITED));
    expect(run.code, run.stderr).toBe(0);
  });

  it('an opted-out pod that breaks an Enforce limit is denied by the registered validating webhook', () => {
    const run = tenantCreate(podIn(quayExecutor(), EDITED));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`admission webhook "validate.${HOOK}.graphdata.io" denied the request`);
    expect(run.stderr).toContain('error registry-not-allowed: image quay.io/acme/spark:3.5.1 comes from quay.io');
  });
});
