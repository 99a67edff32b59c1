// The webhook's registration with the production defaults of docs/design.md. Pure: the
// e2e tests register the local webhook with it; `version` finds the webhook by its name.
import type { V1MutatingWebhookConfiguration, V1LabelSelector } from '@kubernetes/client-node';
import { LABEL_INJECT } from '../policies/model.js';
import { workloadMatchCondition } from '../policies/workloads.js';

export const WEBHOOK_NAME = 'graphdata';
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export type WebhookEndpoint =
  /** A local or external server: the e2e tests, `npm start`. */
  | { url: string }
  /** The in-cluster Service. */
  | { service: { namespace: string; name: string; port?: number } };

export interface RegistrationOptions {
  endpoint: WebhookEndpoint;
  /** PEM CA bundle (old and new CA during a rollover). */
  caBundle: string;
  /** Namespace the webhook runs in: never injected, so it can always restart. */
  ownNamespace: string;
  name?: string;
  timeoutSeconds?: number;
}

/** Opted-in namespaces only, never the system ones or our own. */
export function optedInNamespaces(ownNamespace: string): V1LabelSelector {
  return {
    matchExpressions: [
      { key: LABEL_INJECT, operator: 'In', values: ['enabled'] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES, ownNamespace] },
    ],
  };
}

export function mutatingWebhookConfiguration(opts: RegistrationOptions): V1MutatingWebhookConfiguration {
  const name = opts.name ?? WEBHOOK_NAME;
  const clientConfig =
    'url' in opts.endpoint
      ? { url: opts.endpoint.url }
      : { service: { ...opts.endpoint.service, path: '/mutate', port: opts.endpoint.service.port ?? 443 } };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'graphdata', 'app.kubernetes.io/component': 'webhook' } },
    webhooks: [
      {
        name: `inject.${name}.graphdata.io`,
        admissionReviewVersions: ['v1'],
        clientConfig: { ...clientConfig, caBundle: Buffer.from(opts.caBundle).toString('base64') },
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
        ],
        namespaceSelector: optedInNamespaces(opts.ownNamespace),
        // Pods may opt out of injection.
        objectSelector: { matchExpressions: [{ key: LABEL_INJECT, operator: 'NotIn', values: ['false'] }] },
        // Unrelated pods never reach the webhook: no latency, no outage risk for them.
        matchConditions: [{ name: 'graphdata-workload', expression: workloadMatchCondition() }],
        // An outage must not block pod creation: such pods are admitted uninjected.
        failurePolicy: 'Ignore',
        sideEffects: 'None',
        timeoutSeconds: Math.min(opts.timeoutSeconds ?? 5, 5),
        reinvocationPolicy: 'IfNeeded',
        matchPolicy: 'Equivalent',
      },
    ],
  };
}
