// Shared by the tenant-escape e2e files: a hostile tenant as the issue defines one (a
// client-cert user bound to the built-in `edit` role in their own opted-in namespace, the
// bundle's policy roles aggregated into it), and a webhook registered the way the install
// bundle registers it (plugin/webhook-objects/registration.ts), with real caBundles.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { expect } from 'vitest';
import { policyClusterRoles } from '../../../plugin/webhook-objects/manifests.js';
import {
  mutatingWebhookConfiguration,
  validatingWebhookConfiguration,
} from '../../../plugin/webhook-objects/registration.js';
import type { Pod } from '../../../policies/k8s.js';
import { cluster, ensureNamespace, installPolicyCrds, kubeConfig, waitFor } from '../../cluster/kube.js';
import { type KubectlRun, kubectl } from '../../support/kubectl.js';
import { type RunningWebhook, startDevWebhook } from '../../support/spawn-webhook.js';

export const OPT_IN = { 'graphdata.io/inject': 'enabled' };
const OWN_NAMESPACE = 'graphdata-system';

export const asAdmin = () => ['--kubeconfig', cluster().kubeconfig, '--context', cluster().adminContext];
export const asTenant = () => ['--kubeconfig', cluster().kubeconfig, '--context', cluster().tenantContext];

/** kubectl as the tenant; `input` is sent on stdin (objects are JSON-encoded). */
export const tenantKubectl = (args: string[], input?: object | string): KubectlRun =>
  kubectl([...args, ...asTenant()], input === undefined ? {} : { input: stringify(input) });
export const adminKubectl = (args: string[], input?: object | string): KubectlRun =>
  kubectl([...args, ...asAdmin()], input === undefined ? {} : { input: stringify(input) });
const stringify = (input: object | string) => (typeof input === 'string' ? input : JSON.stringify(input));

/** `kubectl create -f - -o json` as the tenant. */
export const tenantCreate = (object: object, ...extra: string[]): KubectlRun =>
  tenantKubectl(['create', '-f', '-', '-o', 'json', ...extra], object);

/** The pod under a generated name in `namespace`, ready for `tenantCreate`. */
export const podIn = (pod: Pod, namespace: string): Pod => ({
  ...pod,
  metadata: { ...pod.metadata, name: undefined, generateName: `${pod.metadata?.name ?? 'pod'}-`, namespace },
});

const rbac = () => kubeConfig('admin').makeApiClient(k8s.RbacAuthorizationV1Api);
const admission = () => kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);

const aggregatedIntoEdit = async () =>
  (await rbac().readClusterRole({ name: 'edit' })).rules?.some((r) => r.resources?.includes('graphdatapolicies')) ??
  false;

/**
 * Namespaces the tenant holds `edit` in (opted in unless `labels` says otherwise), with the
 * policy CRDs served and the bundle's policy roles aggregated into `edit`.
 */
export async function tenantNamespaces(
  namespaces: string[],
  labels: Record<string, string | null> = OPT_IN,
): Promise<void> {
  installPolicyCrds();
  const roles = adminKubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
    apiVersion: 'v1',
    kind: 'List',
    items: policyClusterRoles(),
  });
  if (roles.code !== 0) throw new Error(`applying the policy roles failed: ${roles.stderr}`);
  for (const namespace of namespaces) {
    await ensureNamespace(namespace, labels);
    await rbac()
      .createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name: 'tenant-edit' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: cluster().tenantUser }],
        },
      })
      .catch((error) => {
        if (!(error instanceof k8s.ApiException && error.code === 409)) throw error;
      });
  }
  await waitFor(aggregatedIntoEdit, 'the policy roles aggregated into edit');
}

export interface GuardedCluster {
  webhook: RunningWebhook;
  /** Deletes the registrations and stops the webhook. */
  stop(): Promise<void>;
}

/**
 * Starts the webhook with `clusterPolicy` as its file policy (the cluster policy while no
 * ClusterGraphDataPolicy exists) and the cluster's kubeconfig (so it watches namespaces and
 * GraphDataPolicy objects), registers it as `name` for mutation and validation, and waits
 * until `deniedProbe` (a pod, created in dry-run as the tenant) is denied by it.
 */
export async function guardedCluster(opts: {
  name: string;
  clusterPolicy: object;
  deniedProbe: Pod;
}): Promise<GuardedCluster> {
  const dir = mkdtempSync(join(tmpdir(), `gd-${opts.name}-`));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(opts.clusterPolicy));
  const webhook = await startDevWebhook(['--policy', join(dir, 'policy.json'), '--kubeconfig', cluster().kubeconfig]);
  const registration = { name: opts.name, endpoint: { url: webhook.url }, caBundle: webhook.ca };
  const deleteRegistrations = async () => {
    await admission()
      .deleteMutatingWebhookConfiguration({ name: opts.name })
      .catch(() => undefined);
    await admission()
      .deleteValidatingWebhookConfiguration({ name: opts.name })
      .catch(() => undefined);
  };
  await deleteRegistrations();
  await admission().createMutatingWebhookConfiguration({
    body: mutatingWebhookConfiguration({ ...registration, ownNamespace: OWN_NAMESPACE }),
  });
  await admission().createValidatingWebhookConfiguration({
    body: validatingWebhookConfiguration({ ...registration, ownNamespace: OWN_NAMESPACE }),
  });
  // The apiserver loads webhook configurations through an informer: wait until a denial shows.
  await waitFor(async () => {
    const run = tenantCreate(opts.deniedProbe, '--dry-run=server');
    return run.code !== 0 && run.stderr.includes(`validate.${opts.name}.graphdata.io`);
  }, `the validating webhook ${opts.name}`);
  return {
    webhook,
    stop: async () => {
      await deleteRegistrations();
      await webhook.stop();
    },
  };
}

/** Asserts the tenant's create was denied by `hook`'s validating webhook with `code`. */
export function expectDenied(run: KubectlRun, hook: string, code: string): void {
  expect(run.code, run.stdout).toBe(1);
  expect(run.stderr).toContain(`admission webhook "validate.${hook}.graphdata.io" denied the request`);
  expect(run.stderr).toContain(`error ${code}`);
}
