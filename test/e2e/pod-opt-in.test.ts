// Pod-level opt-in on the real control plane (issue 21): the registration's pod-level
// entries, a ClusterGraphDataPolicy whose spec.podOptIn selects one namespace, and the
// plugin's explain, status, audit and enable --pod-level reading both kinds of opt-in.
// The tenant's attempts where it is not allowed are in test/security/e2e/pod-opt-in-escapes.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../policies/k8s.js';
import { cluster, waitFor } from '../cluster/kube.js';
import { sparkExecutorPod } from '../fixtures/pods.js';
import { adminKubectl, type GuardedCluster, guardedCluster, podIn, tenantNamespaces } from '../security/e2e/tenant.js';
import { kubectl } from '../support/kubectl.js';

const HOOK = 'e2e-pod-opt-in';
const ALLOWED = 'e2e-pod-opt-in-allowed';
const OTHER = 'e2e-pod-opt-in-other';
const OPTED_IN = 'e2e-pod-opt-in-ns';
const GATE = 'e2e.graphdata.io/pods';

const CLUSTER_POLICY = {
  apiVersion: 'graphdata.io/v1alpha1',
  kind: 'ClusterGraphDataPolicy',
  metadata: { name: HOOK },
  spec: {
    mode: 'Enforce',
    limits: { allowedRegistries: ['docker.io', 'registry.internal'] },
    podOptIn: { namespaceSelector: { matchLabels: { [GATE]: 'yes' } } },
  },
};

const labelled = (image = 'docker.io/apache/spark:3.5.1'): Pod => {
  const pod = sparkExecutorPod();
  pod.spec!.containers[0]!.image = image;
  pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, 'graphdata.io/inject': 'enabled' } };
  return pod;
};
const adminCreate = (pod: Pod, ...extra: string[]) => adminKubectl(['create', '-f', '-', '-o', 'json', ...extra], pod);
const graphdata = (...args: string[]) => kubectl(['graphdata', ...args, '--kubeconfig', cluster().kubeconfig]);
const clusterReady = async () => {
  const run = adminKubectl(['get', 'clustergraphdatapolicy', HOOK, '-o', 'json']);
  if (run.code !== 0) return false;
  const ready = (JSON.parse(run.stdout).status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  return ready?.status === 'True';
};

let guarded: GuardedCluster;
let injectedPod: Pod;

beforeAll(async () => {
  await tenantNamespaces([OPTED_IN]);
  await tenantNamespaces([ALLOWED], { [GATE]: 'yes' });
  await tenantNamespaces([OTHER], { 'e2e.graphdata.io/other': 'yes' });
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
  await waitFor(clusterReady, `ClusterGraphDataPolicy ${HOOK} in effect`);
  const run = adminCreate(podIn(labelled(), ALLOWED));
  expect(run.code, run.stderr).toBe(0);
  injectedPod = JSON.parse(run.stdout) as Pod;
}, 120_000);

afterAll(async () => {
  await guarded?.stop();
  adminKubectl(['delete', 'clustergraphdatapolicy', HOOK, '--ignore-not-found']);
  for (const ns of [ALLOWED, OTHER, OPTED_IN]) adminKubectl(['delete', 'namespace', ns, '--wait=false']);
});

describe('pod-level opt-in through the apiserver', () => {
  it('a labelled pod where spec.podOptIn allows it is injected', () => {
    expect(injectedPod.metadata?.annotations?.['graphdata.io/injected']).toContain(`ClusterGraphDataPolicy/${HOOK}`);
    expect((injectedPod.spec?.initContainers ?? []).map((c) => c.name)).toEqual(['graphdata-alluxio-client']);
  });

  it('idempotent: the injected pod created again comes back unchanged by the webhook', () => {
    const again = structuredClone(injectedPod) as Pod & { metadata: Record<string, unknown>; status?: unknown };
    for (const key of ['name', 'uid', 'resourceVersion', 'creationTimestamp', 'managedFields'])
      delete again.metadata[key];
    again.metadata.generateName = 'again-';
    delete again.status;
    const run = adminCreate(again as Pod, '--dry-run=server');
    expect(run.code, run.stderr).toBe(0);
    const pod = JSON.parse(run.stdout) as Pod;
    expect(pod.spec?.initContainers).toEqual(injectedPod.spec?.initContainers);
    expect(pod.spec?.volumes).toEqual(injectedPod.spec?.volumes);
    expect(pod.spec?.containers[0]?.env).toEqual(injectedPod.spec?.containers[0]?.env);
  });

  it('explain says the pod opted in by its own label', () => {
    const run = graphdata('explain', `pod/${injectedPod.metadata!.name}`, '-n', ALLOWED, '-o', 'json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).optIn).toMatchObject({ kind: 'pod' });
  });

  it('explain says when the label came after the pod was created: the webhook never saw it', async () => {
    const run = adminCreate(podIn(sparkExecutorPod(), ALLOWED));
    expect(run.code, run.stderr).toBe(0);
    const name = (JSON.parse(run.stdout) as Pod).metadata!.name!;
    // managedFields times are whole seconds: the label's write must fall in a later one.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const label = adminKubectl(['label', 'pod', name, '-n', ALLOWED, 'graphdata.io/inject=enabled']);
    expect(label.code, label.stderr).toBe(0);
    const explained = graphdata('explain', `pod/${name}`, '-n', ALLOWED, '-o', 'json');
    expect(explained.code, explained.stderr).toBe(0);
    const e = JSON.parse(explained.stdout);
    expect(e.optIn).toMatchObject({ kind: 'pod' });
    expect(e.reason).toMatch(
      /not injected at creation \(its label graphdata\.io\/inject was written at \S+Z, after the pod was created at \S+Z/,
    );
    expect(e.reason).toContain('delete the pod so that its controller creates it again');
    // The pod created labelled: no such words.
    const injected = graphdata('explain', `pod/${injectedPod.metadata!.name}`, '-n', ALLOWED, '-o', 'json');
    expect(JSON.parse(injected.stdout).reason).not.toContain('was written at');
    // Gone before the audit below, which would find it uninjected.
    const deleted = adminKubectl(['delete', 'pod', name, '-n', ALLOWED, '--grace-period=0', '--force']);
    expect(deleted.code, deleted.stderr).toBe(0);
  });

  it('status lists where pod-level opt-in is allowed, from the policy in effect', () => {
    const run = graphdata('status', '-o', 'json');
    const report = JSON.parse(run.stdout);
    // Another ClusterGraphDataPolicy older than this file's would be the one in effect: then this says so.
    expect(report.podOptIn.policy).toBe(`ClusterGraphDataPolicy ${HOOK}`);
    expect(report.podOptIn.selector).toBe(`${GATE}=yes`);
    expect(report.podOptIn.namespaces).toContain(ALLOWED);
    expect(report.podOptIn.namespaces).not.toContain(OTHER);
    expect(report.podOptIn.namespaces).not.toContain(OPTED_IN);
  });

  it('enable --pod-level says yes where it is allowed, no (exit 1) elsewhere, and changes nothing', () => {
    const yes = graphdata('enable', '-n', ALLOWED, '--pod-level');
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toContain('may opt in with the label graphdata.io/inject=enabled');
    const no = graphdata('enable', '-n', OTHER, '--pod-level');
    expect(no.code).toBe(1);
    expect(no.stderr).toContain(`spec.podOptIn selects ${GATE}=yes, and ${OTHER} does not match`);
    const ns = JSON.parse(adminKubectl(['get', 'namespace', OTHER, '-o', 'json']).stdout);
    expect(ns.metadata.labels['graphdata.io/inject']).toBeUndefined();
    const whole = graphdata('enable', '-n', OPTED_IN, '--pod-level');
    expect(whole.stdout).toContain('is opted in as a whole');
  });

  it('audit covers labelled pods where pod-level opt-in applies, and only those', () => {
    // An unlabelled pod with a registry the policy does not allow: the namespace is not opted in.
    const plain = sparkExecutorPod();
    plain.spec!.containers[0]!.image = 'quay.io/acme/spark:3.5.1';
    expect(adminCreate(podIn(plain, ALLOWED)).code).toBe(0);
    const run = graphdata('audit', '-n', ALLOWED);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('except for pods labelled so (pod-level opt-in)');
    // The labelled, injected pod is checked (and passes); the unlabelled quay.io one is not looked at.
    expect(run.stdout).toBe('no violations\n');
    expect(run.stderr).toMatch(/^1 objects in 1 namespace checked against ClusterGraphDataPolicy/m);
  });
});
