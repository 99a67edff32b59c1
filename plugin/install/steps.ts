// What `install` does against a cluster: certificates, server-side apply,
// waiting for the rollout, and the self-test that proves a pod gets injected.
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import { planRotation, type RotationPlan, type WebhookIdentity } from '../../certs/rollover.js';
import { publishBundle, readClusterCerts } from '../../common/cluster-certs.js';
import type { ManifestObject } from '../webhook-objects/manifests.js';
import { APP_NAME, FIELD_MANAGER } from '../../common/cluster-names.js';
import { ENGINE_VERSION } from '../../policies/engine-version.js';
import type { Pod } from '../../policies/k8s.js';
import { ANNOTATION_INJECTED, LABEL_INJECT, type Policy } from '../../policies/model.js';
import type { InjectOptions } from '../../policies/engine.js';
import { NAMESPACE_NAME_LABEL } from '../../policies/layering.js';
import { OPT_IN_VALUE } from '../../policies/pod-opt-in.js';
import { type ProbeProof, podOptInProbeLabels, proveInjected, webhookPolicySource } from './probe-proof.js';
import type { Clients } from '../kube/clients.js';
import { apiErrorMessage } from '../kube/kubeconfig.js';
import { type Check, fail } from '../output/checks.js';
import { diagnose } from './diagnose.js';

export const webhookIdentity = (namespace: string): WebhookIdentity => ({ service: APP_NAME, namespace });

/**
 * The certificates to install: what the cluster has if it is still good (a re-install
 * must not rotate), new ones otherwise; the bundle keeps a still-valid old CA.
 */
export async function plannedCerts(
  c: Clients,
  namespace: string,
): Promise<RotationPlan & { publishedBundles: number }> {
  const state = await readClusterCerts(c, namespace);
  const plan = planRotation(
    { ca: state.ca, serving: state.serving, bundle: state.webhooks.map((w) => w.bundle).join('') },
    webhookIdentity(namespace),
  );
  return { ...plan, publishedBundles: state.webhooks.length };
}

/** Server-side apply, one object at a time, in order. */
export async function applyAll(
  c: Clients,
  objects: readonly ManifestObject[],
  dryRun: boolean,
  progress: (line: string) => void,
): Promise<void> {
  for (const obj of objects) {
    const what = `${obj.kind}/${obj.metadata.name}`;
    try {
      await c.objects.patch(
        obj as k8s.KubernetesObject,
        undefined,
        dryRun ? 'All' : undefined,
        FIELD_MANAGER,
        true,
        c.k8s.PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      throw new Error(`${what}: ${apiErrorMessage(error)}`);
    }
    progress(`${dryRun ? 'checked' : 'applied'} ${what}`);
  }
}

/**
 * A re-install must not undo the HPA: it scales the Deployment through /scale, and
 * applying our `replicas` again would reset it (and, with force, take the field back).
 * So an existing Deployment is applied with the replicas it runs now, or the requested
 * count if that is higher (the HPA's new minReplicas would raise it anyway).
 */
export async function keepLiveReplicas(
  c: Clients,
  objects: readonly ManifestObject[],
  namespace: string,
): Promise<ManifestObject[]> {
  let live: number | undefined;
  try {
    live = (await c.apps.readNamespacedDeployment({ name: APP_NAME, namespace })).spec?.replicas;
  } catch (error) {
    if ((error as { code?: number }).code !== 404) throw error;
  }
  if (live === undefined) return [...objects];
  return objects.map((o) => {
    if (o.kind !== 'Deployment' || o.metadata.name !== APP_NAME) return o;
    const spec = o.spec as { replicas?: number };
    return { ...o, spec: { ...spec, replicas: Math.max(live, spec.replicas ?? 1) } };
  });
}

export async function namespaceExists(c: Clients, name: string): Promise<boolean> {
  try {
    await c.core.readNamespace({ name });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}

/** Waits until every replica of the Deployment runs the new template and is available. */
export async function waitForRollout(
  c: Clients,
  namespace: string,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<{ ok: boolean; detail: string }> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const dep = await c.apps.readNamespacedDeployment({ name: APP_NAME, namespace });
    const want = dep.spec?.replicas ?? 1;
    const s = dep.status ?? {};
    const fresh = (s.observedGeneration ?? 0) >= (dep.metadata?.generation ?? 0);
    const line = `rollout: ${s.updatedReplicas ?? 0}/${want} updated, ${s.availableReplicas ?? 0}/${want} available`;
    if (line !== last) progress(line);
    last = line;
    if (fresh && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want && !s.unavailableReplicas) {
      return { ok: true, detail: line };
    }
    await sleep(2000);
  }
  return { ok: false, detail: `${last} after ${Math.round(timeoutMs / 1000)}s` };
}

/**
 * A Spark executor as spark-submit makes it: the smallest pod the webhook always injects.
 * It must pass what the platform's policy asks of any compliant pod, or install would fail
 * its own self-test: cpu/memory requests and limits (requireResources), small enough for any
 * executor cap, and an
 * image under an allowed registry. It is created with dryRun=All, so the image is never pulled.
 */
export function probePod(namespace: string, allowedRegistries: readonly string[] = []): k8s.V1Pod {
  const registry = allowedRegistries[0]?.replace(/\/+$/, '');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'graphdata-self-test-', namespace, labels: { 'spark-role': 'executor' } },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'spark-kubernetes-executor',
          image: registry ? `${registry}/apache/spark:3.5.1` : 'apache/spark:3.5.1',
          args: ['executor'],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  };
}

export interface SelfTestResult {
  ok: boolean;
  /** Why not, check by check; empty when ok. */
  checks: Check[];
  /** What was proved beyond the namespace-level probe, or why it was not tested. */
  notes: string[];
}

/** What the webhook must have injected into the probes: with which policy, and what it knows of the cluster. */
export interface ProbeExpectation {
  /** The policy in effect in a namespace with these labels, as the webhook's policy store compiles it. */
  policyFor(namespace: string, labels: Readonly<Record<string, string>>): Policy;
  /** The cluster policy in effect: its spec.podOptIn says where pods may opt in. */
  cluster: Policy;
  clusterName: string;
  /** Whether the webhook reads the cluster (without, it knows no namespace's labels: no pod-level opt-in). */
  readsCluster: boolean;
  imageVolumes?: boolean;
  /** The webhook's engine version, when it differs from this plugin's. */
  otherEngine?: string;
}

/** What a probe in `namespace` (with these labels) must come back with: the policy there and what the webhook knows. */
function probeTarget(
  expectation: ProbeExpectation,
  namespace: string,
  labels: Readonly<Record<string, string>>,
): { policy: Policy; opts: InjectOptions } {
  const namespaceLabels = { ...labels, [NAMESPACE_NAME_LABEL]: namespace };
  return {
    policy: expectation.policyFor(namespace, namespaceLabels),
    opts: {
      namespace,
      namespaceLabels,
      // A namespace made a moment ago holds no AlluxioRuntime: as the webhook sees it.
      runtimes: () => undefined,
      ...(expectation.imageVolumes !== undefined ? { imageVolumes: expectation.imageVolumes } : {}),
    },
  };
}

/**
 * The probe pod for a target: its image from a registry the policy there allows, so only
 * the injection can be missing from what comes back.
 */
const probeFor = (target: { policy: Policy; opts: InjectOptions }): k8s.V1Pod =>
  probePod(target.opts.namespace!, target.policy.spec.limits.allowedRegistries ?? []);

/** A policy file given to install: the one a webhook at --webhook-url runs with (its --policy). */
export interface GivenPolicy {
  policy: Policy;
  file: string;
}

/**
 * The policy the webhook injects with in the probe's namespace, as its GET /version names
 * it: the built-in one or its --policy file alone (a webhook without cluster access), or
 * the cluster's policy objects compiled as its policy store compiles them over that
 * fallback. A webhook that cannot be asked is taken to read the cluster, as an installed
 * one does. A policy file the plugin was not given cannot be checked against: an error.
 */
async function probeExpectation(
  c: Clients,
  testNs: string,
  given: GivenPolicy | undefined,
): Promise<ProbeExpectation | { error: string; hint: string }> {
  const [{ builtInFallback, readPolicyObjects, selectPolicies }, { loadPolicyFile }, { fetchWebhookVersion }] =
    await Promise.all([
      import('../kube/cluster-policies.js'),
      import('../../common/policy-file.js'),
      import('../kube/webhook-version.js'),
    ]);
  const answer = await fetchWebhookVersion(c.k8s, c.kc);
  const { readsCluster, file } = webhookPolicySource(answer.found ? answer.policy : undefined);
  if (file !== undefined && !given) {
    return {
      error: `the webhook injects with the policy file ${file} (its --policy), which install was not given, so it cannot tell what the webhook must inject`,
      hint: `pass the same file: install --policy ${file}`,
    };
  }
  const fallback = builtInFallback(file !== undefined && given ? given.policy : await loadPolicyFile());
  // The probe namespaces are new: only the cluster policies and their own GraphDataPolicies (none) count.
  const objects = readsCluster ? await readPolicyObjects(c.kc, { namespace: testNs, verb: 'self-tested' }) : undefined;
  const select = (labels?: (ns: string) => Readonly<Record<string, string>> | undefined) =>
    selectPolicies(objects?.clusterObjects ?? [], objects?.namespaceObjects ?? [], fallback, [], labels);
  const supported = answer.found ? answer.imageVolumes?.supported : undefined;
  const { cluster, clusterName } = select();
  return {
    policyFor: (namespace, labels) => select((ns) => (ns === namespace ? labels : undefined)).policyFor(namespace),
    cluster,
    clusterName,
    readsCluster,
    ...(typeof supported === 'boolean' ? { imageVolumes: supported } : {}),
    ...(answer.found && answer.version !== ENGINE_VERSION ? { otherEngine: answer.version } : {}),
  };
}

const MAX_SHOWN = 6;

/** The injection check when the pod came back without our injection: what it lacks, and why that may be. */
function injectionCheck(proof: ProbeProof | undefined, timeoutMs: number, otherEngine?: string): Check {
  const retried = `still after ${Math.round(timeoutMs / 1000)} s of retries (install --self-test-timeout sets how long)`;
  if (!proof?.foreignAnnotation) {
    const lacks = proof?.missing.length
      ? `: it lacks ${proof.missing.slice(0, MAX_SHOWN).join('; ')}${proof.missing.length > MAX_SHOWN ? '; …' : ''}`
      : '';
    return fail(
      'injection',
      `the dry-run pod came back without the ${ANNOTATION_INJECTED} annotation, ${retried}${lacks}`,
      'read the webhook logs (kubectl logs -n NAMESPACE deploy/graphdata-webhook) for this request',
    );
  }
  const shown = proof.missing.slice(0, MAX_SHOWN).join('; ');
  if (otherEngine)
    return fail(
      'injection',
      `the dry-run pod came back injected differently than this plugin's engine (${ENGINE_VERSION}) injects it: the webhook runs ${otherEngine}, ${retried}: ${shown}`,
      `install the webhook image of this plugin's version (--image …:${ENGINE_VERSION}), or use the plugin of the webhook's version`,
    );
  return fail(
    'injection',
    `the dry-run pod came back with the ${ANNOTATION_INJECTED} annotation but without what graphdata injects for it, ${retried}: ` +
      `${shown}${proof.missing.length > MAX_SHOWN ? `; and ${proof.missing.length - MAX_SHOWN} more` : ''}`,
    'something other than this graphdata webhook wrote the annotation: look for another mutating webhook that matches ' +
      'Spark executor pods (kubectl get mutatingwebhookconfigurations) and for what answers at the registered endpoint; ' +
      'if it is graphdata of another version, install the image that matches this plugin (kubectl graphdata version)',
  );
}

type ProbeOutcome = { ok: true } | { ok: false; lastError?: unknown; lastProof?: ProbeProof };

/**
 * Creates the probe pod (dry run) until it comes back with our injection or the time is
 * up; a refusal that will not change stops it at once. `retryable`: refusals that may
 * change (the pod-level one, until the webhook knows the new namespace's labels).
 */
async function runProbe(
  c: Clients,
  probe: k8s.V1Pod,
  policy: Policy,
  opts: InjectOptions,
  timeoutMs: number,
  retryable?: RegExp,
): Promise<ProbeOutcome> {
  // The apiserver loads webhook configurations through an informer: allow it a moment.
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastProof: ProbeProof | undefined;
  // At least one attempt, however short the timeout.
  for (let attempt = 0; attempt === 0 || Date.now() < deadline; attempt++) {
    try {
      const pod = await c.core.createNamespacedPod({ namespace: opts.namespace!, body: probe, dryRun: 'All' });
      lastProof = proveInjected(probe as Pod, pod as Pod, policy, opts);
      if (lastProof.ok) return { ok: true };
      lastError = undefined;
    } catch (error) {
      lastError = error;
      if (isRbacRefusal(error)) break;
      if (finalDenial(error) && !retryable?.test(apiErrorMessage(error))) break;
    }
    await sleep(1000);
  }
  return { ok: false, lastError, lastProof };
}

const isRbacRefusal = (error: unknown): boolean =>
  (error as { code?: number }).code === 403 && /forbidden: User/.test(apiErrorMessage(error));

function admissionCheck(error: unknown, timeoutMs: number, name = 'admission'): Check {
  return isRbacRefusal(error)
    ? rbacCheck(error, 'create pods')
    : finalDenial(error)
      ? fail(
          name,
          `the self-test pod was refused (not retried: the answer will not change): ${apiErrorMessage(error)}`,
          'an admission policy or webhook refuses a compliant Spark executor pod: allow it, or install with --skip-self-test',
        )
      : fail(
          name,
          `${apiErrorMessage(error)}, still after ${Math.round(timeoutMs / 1000)} s of retries (install --self-test-timeout sets how long)`,
          'the webhook answered with an error: read its logs',
        );
}

/**
 * A server-side dry-run pod in a temporary opted-in namespace must come back carrying
 * what our engine injects for it (probe-proof.ts says why the annotation alone is no
 * proof). If it does not, say what it lacks, and which of port, caBundle, selector or RBAC
 * is wrong. Then, where the cluster policy's spec.podOptIn allows pod-level opt-in, a
 * labelled pod in a temporary namespace it selects (not opted in) must come back injected
 * the same way: the proof that the pod-level entries work.
 */
export async function selfTest(
  c: Clients,
  namespace: string,
  timeoutMs = 30_000,
  given?: GivenPolicy,
): Promise<SelfTestResult> {
  const suffix = randomBytes(3).toString('hex');
  const testNs = `graphdata-self-test-${suffix}`;
  const nsLabels = { [LABEL_INJECT]: OPT_IN_VALUE };
  try {
    await c.core.createNamespace({ body: { metadata: { name: testNs, labels: nsLabels } } });
  } catch (error) {
    return { ok: false, checks: [rbacCheck(error, 'create a namespace')], notes: [] };
  }
  let expectation: Awaited<ReturnType<typeof probeExpectation>>;
  let known: ProbeExpectation;
  try {
    try {
      expectation = await probeExpectation(c, testNs, given);
    } catch (error) {
      expectation = {
        error: `cannot read the graphdata policies, so cannot tell what the webhook must inject: ${apiErrorMessage(error)}`,
        hint: 'run install as a cluster admin, or ask one for list on clustergraphdatapolicies and graphdatapolicies (graphdata.io)',
      };
    }
    if ('error' in expectation)
      return { ok: false, checks: [fail('policy', expectation.error, expectation.hint)], notes: [] };
    known = expectation;
    const target = probeTarget(known, testNs, nsLabels);
    const outcome = await runProbe(c, probeFor(target), target.policy, target.opts, timeoutMs);
    if (!outcome.ok) {
      const checks = await diagnose(c, namespace, testNs);
      if (outcome.lastError) checks.unshift(admissionCheck(outcome.lastError, timeoutMs));
      else if (outcome.lastProof?.foreignAnnotation || checks.every((ch) => ch.ok)) {
        // An annotation someone else wrote is worth saying even beside a ✗ that explains why ours did not run.
        checks.push(injectionCheck(outcome.lastProof, timeoutMs, expectation.otherEngine));
      }
      return { ok: false, checks, notes: [] };
    }
  } finally {
    await c.core.deleteNamespace({ name: testNs }).catch(() => undefined);
  }
  return podLevelSelfTest(c, `graphdata-self-test-pods-${suffix}`, known, timeoutMs);
}

/** The pod-level half of the self-test, where the cluster policy allows pod-level opt-in. */
async function podLevelSelfTest(
  c: Clients,
  podNs: string,
  expectation: ProbeExpectation,
  timeoutMs: number,
): Promise<SelfTestResult> {
  const untested = (why: string): SelfTestResult => ({
    ok: true,
    checks: [],
    notes: [`pod-level opt-in not tested: ${why}`],
  });
  const selector = expectation.cluster.spec.podOptIn?.namespaceSelector;
  if (!selector) return untested(`${expectation.clusterName} allows it in no namespace (spec.podOptIn)`);
  if (!expectation.readsCluster)
    return untested('the webhook does not read the cluster, so it knows no namespace labels and allows it nowhere');
  const made = podOptInProbeLabels(selector, podNs);
  if ('reason' in made)
    return untested(
      `no new namespace can meet the spec.podOptIn selector of ${expectation.clusterName}: ${made.reason}`,
    );
  try {
    await c.core.createNamespace({ body: { metadata: { name: podNs, labels: made.labels } } });
  } catch (error) {
    return { ok: false, checks: [rbacCheck(error, 'create a namespace')], notes: [] };
  }
  try {
    const target = probeTarget(expectation, podNs, made.labels);
    const probe = probeFor(target);
    probe.metadata!.labels = { ...probe.metadata!.labels, [LABEL_INJECT]: OPT_IN_VALUE };
    // Until the webhook's namespace informer has the new namespace, it refuses pod-level opt-in there.
    const outcome = await runProbe(c, probe, target.policy, target.opts, timeoutMs, /pod-opt-in-not-allowed/);
    const where = `a pod labelled ${LABEL_INJECT}=${OPT_IN_VALUE} in a namespace that is not opted in and that spec.podOptIn of ${expectation.clusterName} selects`;
    if (outcome.ok) return { ok: true, checks: [], notes: [`pod-level opt-in: ${where} came back injected too`] };
    const hint =
      'the namespace-level probe passed, so the webhook works: `kubectl graphdata doctor` names a missing or edited pod-level entry (inject-pods, validate-pods)';
    const check = outcome.lastError
      ? { ...admissionCheck(outcome.lastError, timeoutMs, 'pod-level injection'), hint }
      : fail(
          'pod-level injection',
          `${where} came back ${outcome.lastProof?.foreignAnnotation ? 'with the annotation but ' : ''}without what graphdata injects for it: ${(outcome.lastProof?.missing ?? []).slice(0, MAX_SHOWN).join('; ')}`,
          hint,
        );
    return { ok: false, checks: [check], notes: [] };
  } finally {
    await c.core.deleteNamespace({ name: podNs }).catch(() => undefined);
  }
}

/**
 * A refusal that retrying will not change: the apiserver's admission (a
 * ValidatingAdmissionPolicy, PodSecurity, a quota or limit range, a webhook) said no to the
 * probe pod itself. Not final: a webhook that could not be called, and the safety net's "was
 * not injected", which holds only until the apiserver has loaded the mutating registration.
 */
function finalDenial(error: unknown): boolean {
  const code = (error as { code?: number }).code;
  if (code !== 400 && code !== 403 && code !== 422) return false;
  const message = apiErrorMessage(error);
  return !/failed calling webhook|was not injected as|forbidden: User/.test(message);
}

function rbacCheck(error: unknown, what: string): Check {
  return fail(
    'RBAC',
    `you may not ${what}: ${apiErrorMessage(error)}`,
    'run install as a cluster admin, or ask one for create/delete on namespaces and create on pods',
  );
}

export { publishBundle };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
