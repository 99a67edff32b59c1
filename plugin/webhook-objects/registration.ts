// The webhook's registration with the production defaults of docs/design.md. Pure:
// `install` applies it (manifests.ts) and the e2e tests register the local
// webhook with it.
import type {
  V1LabelSelector,
  V1MutatingWebhookConfiguration,
  V1RuleWithOperations,
  V1ValidatingWebhookConfiguration,
  AdmissionregistrationV1WebhookClientConfig as WebhookClientConfig,
} from '@kubernetes/client-node';
import { ANNOTATION_PROFILE, GROUP, LABEL_INJECT } from '../../policies/model.js';
import { RULES, type Rule } from '../../policies/rules/index.js';
import { workloadMatchCondition } from '../../policies/workloads.js';
import {
  POD_OPT_IN_MUTATE_PATH,
  POD_OPT_IN_VALIDATE_PATH,
  VALIDATED_POD_SUBRESOURCES,
  WEBHOOK_NAME,
} from '../../common/cluster-names.js';
import { OPT_IN_VALUE } from '../../policies/pod-opt-in.js';

export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export type WebhookEndpoint =
  /** A local or external server (`https://host:port`): the e2e tests, `npm start`. */
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

/**
 * The pod-level entries' namespaces: every namespace that is not opted in (so no pod is
 * served by both entries), never the system ones or our own. Whether pod-level opt-in is
 * allowed in one is the cluster policy's `spec.podOptIn`, checked by the webhook per
 * request: the policy changes without a new registration.
 */
export function podOptInNamespaces(ownNamespace: string): V1LabelSelector {
  return {
    matchExpressions: [
      { key: LABEL_INJECT, operator: 'NotIn', values: [OPT_IN_VALUE] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...SYSTEM_NAMESPACES, ownNamespace] },
    ],
  };
}

/** Pods that opt in by their own label (matched on the old or the new object). */
export const POD_OPT_IN_OBJECTS: V1LabelSelector = { matchLabels: { [LABEL_INJECT]: OPT_IN_VALUE } };

type WebhookPath = '/mutate' | '/validate' | typeof POD_OPT_IN_MUTATE_PATH | typeof POD_OPT_IN_VALIDATE_PATH;

function clientConfig(opts: RegistrationOptions, path: WebhookPath): WebhookClientConfig {
  const caBundle = Buffer.from(opts.caBundle).toString('base64');
  // A url names the server (with or without a trailing /mutate); each webhook adds its own path.
  if ('url' in opts.endpoint)
    return { url: `${opts.endpoint.url.replace(/\/(mutate|validate)?\/?$/, '')}${path}`, caBundle };
  return { service: { ...opts.endpoint.service, path, port: opts.endpoint.service.port ?? 443 }, caBundle };
}

export function mutatingWebhookConfiguration(opts: RegistrationOptions): V1MutatingWebhookConfiguration {
  const name = opts.name ?? WEBHOOK_NAME;
  const common = {
    admissionReviewVersions: ['v1'],
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }],
    // Unrelated pods never reach the webhook: no latency, no outage risk for them.
    matchConditions: [{ name: 'graphdata-workload', expression: workloadMatchCondition() }],
    // An outage must not block pod creation: such pods are admitted uninjected.
    failurePolicy: 'Ignore',
    sideEffects: 'None',
    timeoutSeconds: Math.min(opts.timeoutSeconds ?? 5, 5),
    reinvocationPolicy: 'IfNeeded',
    matchPolicy: 'Equivalent',
  };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'graphdata', 'app.kubernetes.io/component': 'webhook' } },
    webhooks: [
      {
        ...common,
        name: `inject.${name}.graphdata.io`,
        clientConfig: clientConfig(opts, '/mutate'),
        namespaceSelector: optedInNamespaces(opts.ownNamespace),
        // Pods may opt out of injection.
        objectSelector: { matchExpressions: [{ key: LABEL_INJECT, operator: 'NotIn', values: ['false'] }] },
      },
      {
        ...common,
        name: `inject-pods.${name}.graphdata.io`,
        clientConfig: clientConfig(opts, POD_OPT_IN_MUTATE_PATH),
        namespaceSelector: podOptInNamespaces(opts.ownNamespace),
        objectSelector: POD_OPT_IN_OBJECTS,
      },
    ],
  };
}

/**
 * Resources the validating webhook may see, at the version its rules read (the apiserver
 * converts others). Pods at UPDATE too: the images of containers and init containers,
 * `activeDeadlineSeconds`, added tolerations and, on gated pods, added node selectors and
 * affinity can change then; `enforce` denies only what the change breaks.
 */
export const VALIDATED_RESOURCES = [
  {
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    subresources: VALIDATED_POD_SUBRESOURCES,
  },
  { group: 'sparkoperator.k8s.io', version: 'v1beta2', resource: 'sparkapplications', kind: 'SparkApplication' },
  {
    group: 'sparkoperator.k8s.io',
    version: 'v1beta2',
    resource: 'scheduledsparkapplications',
    kind: 'ScheduledSparkApplication',
  },
  { group: 'starrocks.com', version: 'v1', resource: 'starrocksclusters', kind: 'StarRocksCluster' },
  { group: 'starrocks.com', version: 'v1alpha1', resource: 'computenodegroups', kind: 'ComputeNodeGroup' },
  { group: 'data.fluid.io', version: 'v1alpha1', resource: 'datasets', kind: 'Dataset' },
  { group: 'data.fluid.io', version: 'v1alpha1', resource: 'alluxioruntimes', kind: 'AlluxioRuntime' },
  { group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler' },
] as const;

const apiVersionOf = (r: { group: string; version: string }): string =>
  r.group ? `${r.group}/${r.version}` : r.version;

/** The resources some rule applies to (the identity rule, true for anything, does not count). */
export function validatedResources(rules: readonly Rule[] = RULES) {
  return VALIDATED_RESOURCES.filter(
    (r) =>
      r.kind === 'Pod' ||
      rules.some((rule) => rule.code !== 'object-identity' && rule.appliesTo(r.kind, apiVersionOf(r))),
  );
}

const profileOf = (o: 'object' | 'oldObject'): string =>
  `(has(${o}.metadata.annotations) && '${ANNOTATION_PROFILE}' in ${o}.metadata.annotations ? ${o}.metadata.annotations['${ANNOTATION_PROFILE}'] : '')`;

/**
 * CEL for the validating webhook: the rules read the kinds above, their spec and the
 * profile annotation, so an UPDATE that changes none of those (finalizers, labels,
 * status through the main resource) never reaches us and cannot be blocked by an outage.
 * The annotation counts when its value changes, not when it is merely present: a
 * controller removing a finalizer from a pod that names a profile is not sent.
 */
export function validationMatchConditions(rules: readonly Rule[] = RULES) {
  const kinds = validatedResources(rules).map((r) => `'${r.group}/${r.kind}'`);
  return [
    {
      name: 'graphdata-rule-kinds',
      expression: `[${kinds.join(', ')}].exists(k, k == request.kind.group + '/' + request.kind.kind)`,
    },
    {
      name: 'graphdata-rule-inputs-changed',
      expression:
        "request.operation != 'UPDATE' || !has(object.spec) || !has(oldObject.spec) || object.spec != oldObject.spec" +
        ` || ${profileOf('object')} != ${profileOf('oldObject')}`,
    },
  ];
}

const optInLabelOf = (o: 'object' | 'oldObject'): string =>
  `(has(${o}.metadata.labels) && '${LABEL_INJECT}' in ${o}.metadata.labels ? ${o}.metadata.labels['${LABEL_INJECT}'] : '')`;

/**
 * The pod-level entry's conditions: those of the namespace-level one, and an UPDATE that
 * changes the opt-in label is sent too, so the webhook can refuse its removal (the pod
 * would otherwise leave the objectSelector, and its later changes go unchecked).
 */
export function podOptInMatchConditions(rules: readonly Rule[] = RULES) {
  return validationMatchConditions(rules).map((c) =>
    c.name === 'graphdata-rule-inputs-changed'
      ? { ...c, expression: `${c.expression} || ${optInLabelOf('object')} != ${optInLabelOf('oldObject')}` }
      : c,
  );
}

/**
 * Enforcement: limits and the safety net for pods and the custom resources in opted-in
 * namespaces (the pod opt-out label does not apply), and the graphdata policies
 * themselves. Fails closed: what cannot be checked is not admitted.
 */
export function validatingWebhookConfiguration(opts: RegistrationOptions): V1ValidatingWebhookConfiguration {
  const name = opts.name ?? WEBHOOK_NAME;
  const common = {
    admissionReviewVersions: ['v1'],
    clientConfig: clientConfig(opts, '/validate'),
    failurePolicy: 'Fail',
    sideEffects: 'None',
    timeoutSeconds: Math.min(opts.timeoutSeconds ?? 5, 5),
    matchPolicy: 'Equivalent',
  };
  const byGroup = new Map<string, V1RuleWithOperations>();
  for (const r of validatedResources()) {
    const key = `${r.group}\u0000${r.version}`;
    const rule = byGroup.get(key) ?? {
      apiGroups: [r.group],
      apiVersions: [r.version],
      operations: ['CREATE', 'UPDATE'],
      resources: [],
      scope: 'Namespaced',
    };
    rule.resources!.push(r.resource, ...('subresources' in r ? r.subresources.map((s) => `${r.resource}/${s}`) : []));
    byGroup.set(key, rule);
  }
  const pods = byGroup.get('\u0000v1')!;
  const podRule = { ...pods, resources: [...pods.resources!] };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'graphdata', 'app.kubernetes.io/component': 'webhook' } },
    webhooks: [
      {
        ...common,
        name: `validate.${name}.graphdata.io`,
        rules: [...byGroup.values()],
        namespaceSelector: optedInNamespaces(opts.ownNamespace),
        matchConditions: validationMatchConditions(),
      },
      {
        ...common,
        name: `policies.${name}.graphdata.io`,
        rules: [
          {
            apiGroups: [GROUP],
            apiVersions: ['v1alpha1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['clustergraphdatapolicies', 'graphdatapolicies'],
            scope: '*',
          },
        ],
        // Tenants may write GraphDataPolicy before opting in; check them wherever they are.
        namespaceSelector: {
          matchExpressions: [
            {
              key: 'kubernetes.io/metadata.name',
              operator: 'NotIn',
              values: [...SYSTEM_NAMESPACES, opts.ownNamespace],
            },
          ],
        },
      },
      {
        ...common,
        name: `validate-pods.${name}.graphdata.io`,
        // Pods only: a custom resource's own labels say nothing of the pods it makes.
        rules: [podRule],
        namespaceSelector: podOptInNamespaces(opts.ownNamespace),
        objectSelector: POD_OPT_IN_OBJECTS,
        clientConfig: clientConfig(opts, POD_OPT_IN_VALIDATE_PATH),
        matchConditions: podOptInMatchConditions(),
      },
    ],
  };
}
