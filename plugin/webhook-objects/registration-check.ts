// Is every entry of the live webhook configurations what install registers? Pure:
// `doctor` reads the two configurations and reports what this finds. Who an entry
// serves is its path, selectors, rules and match conditions; an entry that was deleted
// or edited (by hand, by a GitOps tool with an old copy, by an older install) silently
// stops injecting or checking the pods it was for, the pod-level ones included.
import type {
  V1MutatingWebhookConfiguration,
  V1ValidatingWebhookConfiguration,
  AdmissionregistrationV1WebhookClientConfig as WebhookClientConfig,
} from '@kubernetes/client-node';
import { POD_OPT_IN_MUTATE_PATH, POD_OPT_IN_VALIDATE_PATH } from '../../common/cluster-names.js';
import { mutatingWebhookConfiguration, type WebhookEndpoint, validatingWebhookConfiguration } from './registration.js';

export interface EntryFinding {
  configuration: 'MutatingWebhookConfiguration' | 'ValidatingWebhookConfiguration';
  /** The entry's name, e.g. `inject-pods.graphdata.graphdata.io`. */
  entry: string;
  /** Serves pods by their own opt-in label (the pod-level entries). */
  podLevel: boolean;
  /** What is wrong, in words: `missing`, or the fields that differ. */
  problem: string;
}

interface Entry {
  name: string;
  clientConfig: WebhookClientConfig;
  namespaceSelector?: unknown;
  objectSelector?: unknown;
  rules?: unknown;
  matchConditions?: unknown;
  failurePolicy?: string;
}

/** The webhook path an entry calls, whether by URL or Service. */
/** The path an entry calls, from its URL or its Service reference. */
export const pathOf = (c: WebhookClientConfig): string => (c.url ? new URL(c.url).pathname : (c.service?.path ?? '/'));

/** The endpoint of the live registration, so the expected entries point at it too. */
const endpointOf = (c: WebhookClientConfig | undefined): WebhookEndpoint | undefined => {
  if (c?.url) return { url: c.url.replace(/\/(mutate|validate)(\/pod-opt-in)?\/?$/, '') };
  if (c?.service)
    return { service: { namespace: c.service.namespace, name: c.service.name, port: c.service.port ?? 443 } };
  return undefined;
};

/** A selector the apiserver stores as `{}` when none was given; empty parts dropped. */
const selector = (s: unknown): string => {
  const { matchLabels, matchExpressions } = (s ?? {}) as { matchLabels?: object; matchExpressions?: unknown[] };
  return JSON.stringify({
    ...(matchLabels && Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions?.length ? { matchExpressions } : {}),
  });
};
const rules = (r: unknown): string =>
  JSON.stringify(
    ((r ?? []) as Record<string, unknown>[]).map((rule) => ({
      apiGroups: rule.apiGroups,
      apiVersions: rule.apiVersions,
      operations: rule.operations,
      resources: rule.resources,
      scope: rule.scope ?? '*',
    })),
  );
const conditions = (m: unknown): string =>
  JSON.stringify(((m ?? []) as { name: string; expression: string }[]).map((c) => [c.name, c.expression]));

const FIELDS: [string, (e: Entry) => string][] = [
  ['path', (e) => pathOf(e.clientConfig)],
  ['namespaceSelector', (e) => selector(e.namespaceSelector)],
  ['objectSelector', (e) => selector(e.objectSelector)],
  ['rules', (e) => rules(e.rules)],
  ['matchConditions', (e) => conditions(e.matchConditions)],
];

/** A pod-level entry is known by the path it calls, as the webhook knows it. */
const NAMESPACE_PATH_OF_POD_LEVEL = new Map([
  [POD_OPT_IN_MUTATE_PATH, '/mutate'],
  [POD_OPT_IN_VALIDATE_PATH, '/validate'],
]);

function compare(
  configuration: EntryFinding['configuration'],
  expected: readonly Entry[],
  live: readonly Entry[],
): EntryFinding[] {
  const findings: EntryFinding[] = [];
  const byName = new Map(live.map((e) => [e.name, e]));
  for (const want of expected) {
    const namespacePath = NAMESPACE_PATH_OF_POD_LEVEL.get(pathOf(want.clientConfig));
    const at = { configuration, entry: want.name, podLevel: namespacePath !== undefined };
    const got = byName.get(want.name);
    if (!got) {
      findings.push({ ...at, problem: 'missing' });
      continue;
    }
    const differ = FIELDS.filter(([, read]) => read(want) !== read(got)).map(([field]) => field);
    // The namespace-level entry a pod-level one mirrors: its failure policy must be the same.
    const siblingName = expected.find((e) => pathOf(e.clientConfig) === namespacePath)?.name;
    const sibling = siblingName === undefined ? undefined : byName.get(siblingName);
    if (sibling && sibling.failurePolicy !== got.failurePolicy)
      differ.push(`failurePolicy (${got.failurePolicy}, while ${sibling.name} has ${sibling.failurePolicy})`);
    if (differ.length) findings.push({ ...at, problem: `differs from what install registers in ${differ.join(', ')}` });
  }
  return findings;
}

/**
 * The entries of the live configurations that are missing or differ from what install
 * registers for this endpoint. Absent configurations are not findings here (the
 * `webhook` check reports an installation that is not there).
 */
export function registrationFindings(
  live: { mutating?: V1MutatingWebhookConfiguration; validating?: V1ValidatingWebhookConfiguration },
  ownNamespace: string,
): EntryFinding[] {
  const endpoint = endpointOf(
    live.mutating?.webhooks?.[0]?.clientConfig ?? live.validating?.webhooks?.[0]?.clientConfig,
  );
  if (!endpoint) return [];
  const name = live.mutating?.metadata?.name ?? live.validating?.metadata?.name;
  const opts = { endpoint, caBundle: '', ownNamespace, ...(name ? { name } : {}) };
  return [
    ...(live.mutating
      ? compare(
          'MutatingWebhookConfiguration',
          mutatingWebhookConfiguration(opts).webhooks as Entry[],
          (live.mutating.webhooks ?? []) as Entry[],
        )
      : []),
    ...(live.validating
      ? compare(
          'ValidatingWebhookConfiguration',
          validatingWebhookConfiguration(opts).webhooks as Entry[],
          (live.validating.webhooks ?? []) as Entry[],
        )
      : []),
  ];
}
