// The webhook's certificates as they live in the cluster: the CA Secret, the serving
// Secret and the caBundle of the webhook configurations. Shared by the plugin (`install`,
// `certs rotate`, `status`) and the webhook's self-managed leader. The client library is
// passed in, so importing this module costs nothing.
import type * as k8s from '@kubernetes/client-node';
import type { CertPair } from '../certs/pki.js';
import { planRotation, type RotationOptions, settledBundle, type WebhookIdentity } from '../certs/rollover.js';
import { CA_SECRET, FIELD_MANAGER, TLS_SECRET, WEBHOOK_CONFIGURATION_KINDS, WEBHOOK_NAME } from './cluster-names.js';

export interface CertClients {
  core: k8s.CoreV1Api;
  admission: k8s.AdmissionregistrationV1Api;
}

export interface WebhookBundle {
  kind: (typeof WEBHOOK_CONFIGURATION_KINDS)[number];
  name: string;
  /** PEM; '' when the configuration carries none. */
  bundle: string;
}

export interface ClusterCerts {
  ca?: Partial<CertPair>;
  serving?: Partial<CertPair> & { caPem?: string };
  /** The webhook configurations found, with their caBundle. */
  webhooks: WebhookBundle[];
}

export const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;

const decode = (b64: string | undefined): string | undefined =>
  b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');

async function readSecret(core: k8s.CoreV1Api, namespace: string, name: string): Promise<k8s.V1Secret | undefined> {
  try {
    return await core.readNamespacedSecret({ name, namespace });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readWebhookConfiguration(
  admission: k8s.AdmissionregistrationV1Api,
  kind: WebhookBundle['kind'],
  name = WEBHOOK_NAME,
): Promise<k8s.V1MutatingWebhookConfiguration | k8s.V1ValidatingWebhookConfiguration | undefined> {
  try {
    return kind === 'MutatingWebhookConfiguration'
      ? await admission.readMutatingWebhookConfiguration({ name })
      : await admission.readValidatingWebhookConfiguration({ name });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function readWebhookBundles(admission: k8s.AdmissionregistrationV1Api): Promise<WebhookBundle[]> {
  const out: WebhookBundle[] = [];
  for (const kind of WEBHOOK_CONFIGURATION_KINDS) {
    const config = await readWebhookConfiguration(admission, kind);
    if (!config) continue;
    out.push({ kind, name: WEBHOOK_NAME, bundle: decode(config.webhooks?.[0]?.clientConfig.caBundle) ?? '' });
  }
  return out;
}

export async function readServingSecret(
  core: k8s.CoreV1Api,
  namespace: string,
): Promise<(Partial<CertPair> & { caPem?: string }) | undefined> {
  const secret = await readSecret(core, namespace, TLS_SECRET);
  if (!secret) return undefined;
  const caPem = decode(secret.data?.['ca.crt']);
  return {
    certPem: decode(secret.data?.['tls.crt']),
    keyPem: decode(secret.data?.['tls.key']),
    ...(caPem ? { caPem } : {}),
  };
}

export async function readClusterCerts(c: CertClients, namespace: string): Promise<ClusterCerts> {
  const [caSecret, serving, webhooks] = await Promise.all([
    readSecret(c.core, namespace, CA_SECRET),
    readServingSecret(c.core, namespace),
    readWebhookBundles(c.admission),
  ]);
  return {
    ...(caSecret
      ? { ca: { certPem: decode(caSecret.data?.['ca.crt']), keyPem: decode(caSecret.data?.['ca.key']) } }
      : {}),
    ...(serving ? { serving } : {}),
    webhooks,
  };
}

/** Sets the caBundle of every webhook of every configuration; read-modify-replace, so a concurrent edit is a 409, not lost. */
export async function publishBundle(
  admission: k8s.AdmissionregistrationV1Api,
  bundle: string,
  fieldManager = FIELD_MANAGER,
): Promise<void> {
  const caBundle = Buffer.from(bundle).toString('base64');
  for (const kind of WEBHOOK_CONFIGURATION_KINDS) {
    const config = await readWebhookConfiguration(admission, kind);
    if (!config) continue;
    if ((config.webhooks ?? []).every((w) => w.clientConfig.caBundle === caBundle)) continue;
    for (const hook of config.webhooks ?? []) hook.clientConfig.caBundle = caBundle;
    if (kind === 'MutatingWebhookConfiguration') {
      await admission.replaceMutatingWebhookConfiguration({
        name: WEBHOOK_NAME,
        body: config as k8s.V1MutatingWebhookConfiguration,
        fieldManager,
      });
    } else {
      await admission.replaceValidatingWebhookConfiguration({
        name: WEBHOOK_NAME,
        body: config as k8s.V1ValidatingWebhookConfiguration,
        fieldManager,
      });
    }
  }
}

async function writeSecretData(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  type: string,
  data: Record<string, string>,
  fieldManager: string,
): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  const existing = await readSecret(core, namespace, name);
  if (!existing) {
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name, namespace }, type, data: encoded },
      fieldManager,
    });
    return;
  }
  // Replace keeps resourceVersion: a concurrent writer makes this fail rather than be overwritten.
  await core.replaceNamespacedSecret({
    name,
    namespace,
    body: { ...existing, data: { ...existing.data, ...encoded } },
    fieldManager,
  });
}

export const writeCaSecret = (core: k8s.CoreV1Api, namespace: string, ca: CertPair, fieldManager = FIELD_MANAGER) =>
  writeSecretData(core, namespace, CA_SECRET, 'Opaque', { 'ca.crt': ca.certPem, 'ca.key': ca.keyPem }, fieldManager);

export const writeServingSecret = (
  core: k8s.CoreV1Api,
  namespace: string,
  serving: CertPair,
  caPem: string,
  fieldManager = FIELD_MANAGER,
) =>
  writeSecretData(
    core,
    namespace,
    TLS_SECRET,
    'kubernetes.io/tls',
    { 'tls.crt': serving.certPem, 'tls.key': serving.keyPem, 'ca.crt': caPem },
    fieldManager,
  );

export interface ClusterRotationOptions extends RotationOptions {
  /**
   * The certificates the replicas serve right now (PEM). Without it the old CA stays in
   * the bundle after a rollover (a later run, or the leader, settles it).
   */
  liveServing?: () => Promise<string[]>;
  /** Time for the apiserver to pick up a caBundle change before a cert that needs it is stored. */
  propagationMs?: number;
  log?: (message: string) => void;
  /** Who writes (managedFields): the plugin by default, the webhook's leader as itself. */
  fieldManager?: string;
}

export interface ClusterRotationResult {
  caRotated: boolean;
  servingRotated: boolean;
  bundlePublished: boolean;
  /** The old CA(s) left the bundle: every live replica serves a cert from the current CA. */
  bundleSettled: boolean;
  /** CAs still in the bundle besides the current one. */
  extraCAs: number;
  reasons: string[];
}

/**
 * One rotation pass, in the order that keeps every served cert trusted:
 * 1. publish the bundle (current CA + still-valid old ones) to every webhook configuration;
 * 2. wait for the apiserver to see it; 3. store the CA, then the serving cert;
 * 4. drop old CAs that no live serving cert needs any more.
 */
export async function rotateClusterCerts(
  c: CertClients,
  namespace: string,
  id: WebhookIdentity,
  opts: ClusterRotationOptions = {},
): Promise<ClusterRotationResult> {
  const log = opts.log ?? (() => {});
  const state = await readClusterCerts(c, namespace);
  const oldBundle = state.webhooks.map((w) => w.bundle).join('');
  const plan = planRotation({ ca: state.ca, serving: state.serving, bundle: oldBundle }, id, opts);
  const stale = state.webhooks.some((w) => w.bundle !== plan.bundle);
  let bundlePublished = false;
  if (stale && state.webhooks.length) {
    await publishBundle(c.admission, plan.bundle, opts.fieldManager);
    bundlePublished = true;
    log(`caBundle published (${countCerts(plan.bundle)} CA${countCerts(plan.bundle) > 1 ? 's' : ''})`);
    if (plan.caRotated || plan.servingRotated) await sleep(opts.propagationMs ?? 5000);
  }
  if (plan.caRotated) {
    await writeCaSecret(c.core, namespace, plan.ca, opts.fieldManager);
    log('new CA stored');
  }
  if (plan.servingRotated || state.serving?.caPem !== plan.ca.certPem) {
    await writeServingSecret(c.core, namespace, plan.serving, plan.ca.certPem, opts.fieldManager);
    if (plan.servingRotated) log('new serving certificate stored');
  }
  let bundle = plan.bundle;
  let bundleSettled = false;
  if (countCerts(bundle) > 1 && opts.liveServing && state.webhooks.length) {
    const live = await opts.liveServing();
    const settled = settledBundle(bundle, plan.ca.certPem, [...live, plan.serving.certPem]);
    if (live.length > 0 && countCerts(settled) < countCerts(bundle)) {
      await publishBundle(c.admission, settled, opts.fieldManager);
      bundle = settled;
      bundleSettled = true;
      log('old CA removed from the caBundle: every replica serves the new certificate');
    }
  }
  return {
    caRotated: plan.caRotated,
    servingRotated: plan.servingRotated,
    bundlePublished,
    bundleSettled,
    extraCAs: countCerts(bundle) - 1,
    reasons: plan.reasons,
  };
}

function countCerts(pem: string): number {
  return (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
