// `kubectl graphdata audit` on the real control plane: pods (Pending forever: there is no
// kubelet) and custom resources created through the apiserver, listed a few at a time so
// the continue tokens are followed, checked as POST /validate would check them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { inject } from '../../policies/engine.js';
import type { Pod } from '../../policies/k8s.js';
import { policyFromObject } from '../../policies/policy-loader.js';
import { createCA } from '../../certs/pki.js';
import { WEBHOOK_NAME } from '../../common/cluster-names.js';
import { validatingWebhookConfiguration } from '../../plugin/webhook-objects/registration.js';
import { cluster, createPod, ensureNamespace, kubeConfig } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { kubectl } from '../support/kubectl.js';

const AUDITED = 'audit-e2e';
const CLEAN = 'audit-e2e-clean';
const NOT_OPTED_IN = 'audit-e2e-plain';
/** Opted in, with a bare executor: where a webhook installed with `install --webhook-namespace audit-e2e-hook` would run. */
const HOOK = 'audit-e2e-hook';
const OPT_IN = { 'graphdata.io/inject': 'enabled' };

const POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: 'audit-e2e' },
  spec: {
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io'], maxExecutorCores: 4 },
    ruleModes: { 'executor-cores-over-limit': 'Audit' },
  },
};
const policy = policyFromObject(POLICY).policy!;
let policyFile: string;

/** The pod as the mutating webhook would have left it in `namespace`. */
const injected = (pod: Pod, namespace: string): Pod =>
  inject(pod, policy, {
    namespace,
    namespaceLabels: { ...OPT_IN, 'kubernetes.io/metadata.name': namespace },
  }).pod;

const withImage = (pod: Pod, image: string): Pod => {
  pod.spec!.containers[0]!.image = image;
  return pod;
};

const BARE_EXECUTORS = 7;
const OTHER_PODS = 6;

const audit = (...args: string[]) =>
  kubectl(['graphdata', 'audit', ...args, '--policy', policyFile, '--kubeconfig', cluster().kubeconfig]);

interface Report {
  violations: { namespace: string; kind: string; name: string; action: string; rule: string; message: string }[];
  summary: { scanned: number; denied: number; warned: number; kinds: { kind: string; scanned: number }[] };
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gd-audit-'));
  policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(POLICY));
  await ensureNamespace(AUDITED, OPT_IN);
  await ensureNamespace(CLEAN, OPT_IN);
  await ensureNamespace(NOT_OPTED_IN);
  const core = kubeConfig('admin').makeApiClient(k8s.CoreV1Api);
  // Idempotent across runs on a reused cluster: start from empty namespaces.
  for (const ns of [AUDITED, CLEAN, NOT_OPTED_IN]) await core.deleteCollectionNamespacedPod({ namespace: ns });
  const custom = kubeConfig('admin').makeApiClient(k8s.CustomObjectsApi);
  await custom
    .deleteNamespacedCustomObject({
      group: 'sparkoperator.k8s.io',
      version: 'v1beta2',
      namespace: AUDITED,
      plural: 'sparkapplications',
      name: 'quay-job',
    })
    .catch(() => undefined);

  // Executors created while the mutating webhook was down: the safety net's catch.
  for (let i = 0; i < BARE_EXECUTORS; i++) await createPod(AUDITED, sparkExecutorPod());
  // Injected executors: nothing to report.
  for (let i = 0; i < 3; i++) await createPod(AUDITED, injected(sparkExecutorPod(), AUDITED));
  // Injected, but from a registry the policy does not allow (Enforce), or with too many cores (Audit).
  await createPod(AUDITED, { ...injected(withImage(sparkExecutorPod(), 'quay.io/acme/spark:3.5.1'), AUDITED) });
  const big = sparkExecutorPod();
  big.metadata!.name = 'big-exec';
  big.spec!.containers[0]!.env!.push({ name: 'SPARK_EXECUTOR_CORES', value: '8' });
  await createPod(AUDITED, injected(big, AUDITED));
  // Pods of other apps: listed and checked, nothing to report.
  for (let i = 0; i < OTHER_PODS; i++)
    await createPod(AUDITED, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    });
  await custom.createNamespacedCustomObject({
    group: 'sparkoperator.k8s.io',
    version: 'v1beta2',
    namespace: AUDITED,
    plural: 'sparkapplications',
    body: {
      apiVersion: 'sparkoperator.k8s.io/v1beta2',
      kind: 'SparkApplication',
      metadata: { name: 'quay-job', namespace: AUDITED },
      spec: {
        type: 'Scala',
        mode: 'cluster',
        image: 'quay.io/acme/spark:3.5.1',
        mainClass: 'org.apache.spark.examples.SparkPi',
        mainApplicationFile: 'local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar',
        sparkVersion: '3.5.1',
        driver: { cores: 1, coreLimit: '1200m', memory: '1g', serviceAccount: 'spark' },
        executor: { instances: 1, cores: 1, coreLimit: '1200m', memory: '1g' },
      },
    },
  });
  // The clean namespace: injected executors only.
  for (let i = 0; i < 2; i++) await createPod(CLEAN, injected(sparkExecutorPod(), CLEAN));
  // Not opted in: the webhook never sees these, so neither does audit.
  await createPod(NOT_OPTED_IN, sparkExecutorPod());
  await ensureNamespace(HOOK, OPT_IN);
  await core.deleteCollectionNamespacedPod({ namespace: HOOK });
  await createPod(HOOK, sparkExecutorPod());
}, 120_000);

describe('kubectl graphdata audit', () => {
  it('finds every violation in a namespace, listing 3 objects per request, and exits 1 on Enforce ones', () => {
    const run = audit('-n', AUDITED, '--chunk-size', '3', '-o', 'json');
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    const pods = report.summary.kinds.find((k) => k.kind === 'Pod')!;
    // 18 pods in pages of 3: only complete if every continue token was followed.
    expect(pods.scanned).toBe(BARE_EXECUTORS + 5 + OTHER_PODS);
    const of = (rule: string) => report.violations.filter((v) => v.rule === rule);
    expect(of('not-injected')).toHaveLength(BARE_EXECUTORS);
    expect(of('not-injected').every((v) => v.action === 'deny' && v.kind === 'Pod' && v.namespace === AUDITED)).toBe(
      true,
    );
    expect(of('not-injected')[0]!.message).toMatch(/^spark-executor pod was not injected as .* requires: missing /);
    const registry = of('registry-not-allowed');
    expect(registry.map((v) => `${v.kind}/${v.action}`).sort()).toEqual(['Pod/deny', 'SparkApplication/deny']);
    expect(registry.find((v) => v.kind === 'SparkApplication')!.name).toBe('quay-job');
    expect(of('executor-cores-over-limit')).toEqual([
      expect.objectContaining({ action: 'warn', kind: 'Pod', name: expect.stringMatching(/^big-exec-/) }),
    ]);
    expect(report.summary.denied).toBe(BARE_EXECUTORS + 2);
    expect(report.summary.warned).toBe(1);
    // The Spark operator's ScheduledSparkApplication CRD is not in test/upstream-crds: said once, skipped.
    expect(
      run.stderr.match(/ScheduledSparkApplication \(sparkoperator\.k8s\.io\/v1beta2\) is not served/g),
    ).toHaveLength(1);
  });

  it('prints a table of the violations, without colour under NO_COLOR, and a summary on stderr', () => {
    const run = audit('-n', AUDITED, '--chunk-size', '4');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^NAMESPACE +OBJECT +ACTION +RULE +POLICY +MESSAGE$/m);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${AUDITED} +SparkApplication/quay-job +deny +registry-not-allowed +ClusterGraphDataPolicy/audit-e2e +image quay.io/acme/spark:3.5.1`,
        'm',
      ),
    );
    expect(run.stdout.match(/ deny +not-injected /g)).toHaveLength(BARE_EXECUTORS);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stderr).toMatch(
      /^\d+ objects in 1 namespace checked against policy .*: 9 denied \(Enforce\), 1 warned \(Audit\)$/m,
    );
  });

  it('exits 0 where nothing breaks an Enforce rule, and audits nothing where the webhook does not look', () => {
    const clean = audit('-n', CLEAN, '-o', 'json');
    expect(clean.code, clean.stderr).toBe(0);
    expect((JSON.parse(clean.stdout) as Report).violations).toEqual([]);
    const plain = audit('-n', NOT_OPTED_IN);
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain(`namespace ${NOT_OPTED_IN} is not covered by the validating webhook`);
    expect(plain.stdout).toBe('no violations\n');
  });

  it("never audits the webhook's own namespace: --webhook-namespace, else the one its registration excludes", async () => {
    const violationsIn = (ns: string, args: string[]) =>
      (JSON.parse(audit(...args, '-o', 'json').stdout) as Report).violations.filter((v) => v.namespace === ns);
    // No registration, no flag: graphdata-system is the webhook's, so this one is audited.
    expect(violationsIn(HOOK, ['-n', HOOK])).toHaveLength(1);
    const flagged = audit('-n', HOOK, '--webhook-namespace', HOOK);
    expect(flagged.code).toBe(0);
    expect(flagged.stderr).toContain(`namespace ${HOOK} is not covered by the validating webhook (never checked)`);

    // A registration made as `install --webhook-namespace audit-e2e-hook` makes it, that the apiserver never calls here
    // (an object selector nothing matches), so other files' pods are untouched.
    const api = kubeConfig('admin').makeApiClient(k8s.AdmissionregistrationV1Api);
    const before = await api.readValidatingWebhookConfiguration({ name: WEBHOOK_NAME }).catch(() => undefined);
    const registration = validatingWebhookConfiguration({
      endpoint: { url: 'https://127.0.0.1:1' },
      caBundle: createCA({ commonName: 'audit-e2e' }).certPem,
      ownNamespace: HOOK,
    });
    for (const w of registration.webhooks!) {
      w.failurePolicy = 'Ignore';
      w.objectSelector = { matchExpressions: [{ key: 'audit-e2e-never', operator: 'Exists' }] };
    }
    if (before) await api.deleteValidatingWebhookConfiguration({ name: WEBHOOK_NAME });
    await api.createValidatingWebhookConfiguration({ body: registration });
    try {
      expect(violationsIn(HOOK, ['-A'])).toEqual([]);
      const one = audit('-n', HOOK);
      expect(one.code).toBe(0);
      expect(one.stderr).toContain(`namespace ${HOOK} is not covered by the validating webhook (never checked)`);
      // graphdata-system is no longer the webhook's: the flag still says what to skip.
      expect(violationsIn(HOOK, ['-n', HOOK, '--webhook-namespace', 'graphdata-system'])).toHaveLength(1);
    } finally {
      await api.deleteValidatingWebhookConfiguration({ name: WEBHOOK_NAME });
      if (before) {
        const {
          resourceVersion: _rv,
          uid: _uid,
          managedFields: _mf,
          creationTimestamp: _ct,
          ...metadata
        } = before.metadata ?? {};
        await api.createValidatingWebhookConfiguration({ body: { ...before, metadata } });
      }
    }
  });

  it('-A covers every opted-in namespace and never one that is not', () => {
    const run = audit('-A', '--chunk-size', '5', '-o', 'json');
    const report = JSON.parse(run.stdout) as Report;
    expect(run.code).toBe(1);
    const namespaces = new Set(report.violations.map((v) => v.namespace));
    expect(namespaces.has(AUDITED)).toBe(true);
    expect(namespaces.has(CLEAN)).toBe(false);
    expect(namespaces.has(NOT_OPTED_IN)).toBe(false);
    expect(namespaces.has('kube-system')).toBe(false);
    expect(report.violations.filter((v) => v.namespace === AUDITED && v.rule === 'not-injected')).toHaveLength(
      BARE_EXECUTORS,
    );
  });
});
