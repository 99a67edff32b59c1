// The webhook's version for `version`: found through its MutatingWebhookConfiguration,
// asked at GET /version (directly for a URL endpoint, through the apiserver's service
// proxy for an in-cluster Service). Bounded in time; never an error for `version`.
import type { KubeConfig } from '@kubernetes/client-node';
import { WEBHOOK_NAME } from '../../common/cluster-names.js';
import { deadline, describe } from './kubeconfig.js';

/** The webhook's policy snapshot (absent from webhooks older than the policy store). */
export interface WebhookPolicyStore {
  generation: number;
  synced: boolean;
  stale: boolean;
}

export type WebhookVersion =
  | {
      found: true;
      version: string;
      policy?: string;
      policyStore?: WebhookPolicyStore;
      /** What the webhook found wrong at start (a supplied key others can read); absent from older webhooks. */
      warnings?: string[];
      /** Whether it found the cluster serving image volumes; absent without a cluster. */
      imageVolumes?: { supported: boolean };
      endpoint: string;
    }
  | { found: false; reason: string };

export async function fetchWebhookVersion(
  k8s: typeof import('@kubernetes/client-node'),
  kc: KubeConfig,
  timeoutMs = 3000,
): Promise<WebhookVersion> {
  const signal = AbortSignal.timeout(timeoutMs);
  let clientConfig;
  try {
    const config = await kc
      .makeApiClient(k8s.AdmissionregistrationV1Api)
      .readMutatingWebhookConfiguration({ name: WEBHOOK_NAME }, deadline(k8s, signal));
    clientConfig = config.webhooks?.[0]?.clientConfig;
  } catch (error) {
    const notFound = (error as { code?: number }).code === 404;
    return {
      found: false,
      reason: notFound ? `not installed (no MutatingWebhookConfiguration ${WEBHOOK_NAME})` : describe(error),
    };
  }
  try {
    if (clientConfig?.url) {
      const endpoint = new URL('/version', clientConfig.url).toString();
      const body = await httpsGet(endpoint, Buffer.from(clientConfig.caBundle ?? '', 'base64').toString(), signal);
      return { found: true, endpoint, ...(JSON.parse(body) as { version: string; policy?: string }) };
    }
    const service = clientConfig?.service;
    if (!service) return { found: false, reason: `MutatingWebhookConfiguration ${WEBHOOK_NAME} names no endpoint` };
    const name = `https:${service.name}:${service.port ?? 443}`;
    const body = await kc
      .makeApiClient(k8s.CoreV1Api)
      .connectGetNamespacedServiceProxyWithPath(
        { name, namespace: service.namespace, path: 'version' },
        deadline(k8s, signal),
      );
    return {
      found: true,
      endpoint: `service ${service.namespace}/${service.name}`,
      ...(JSON.parse(String(body)) as { version: string; policy?: string }),
    };
  } catch (error) {
    return {
      found: false,
      reason: signal.aborted ? `no answer within ${timeoutMs / 1000}s` : `unreachable: ${describe(error)}`,
    };
  }
}

async function httpsGet(url: string, ca: string, signal: AbortSignal): Promise<string> {
  // Imported here: node:https pulls in TLS, which `version --client` never needs.
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, signal }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}
