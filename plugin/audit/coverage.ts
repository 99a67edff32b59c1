// Which namespaces `audit` may look at: those the validating webhook covers. Its own
// namespace is never validated (so it can always restart), and it is wherever `install --webhook-namespace`
// put it: read it from the registration, not from the default name. Pure.
import { SYSTEM_NAMESPACES } from '../webhook-objects/registration.js';

const NAME_LABEL = 'kubernetes.io/metadata.name';

interface SelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}
interface ValidatingConfiguration {
  webhooks?: {
    name?: string;
    clientConfig?: { service?: { namespace?: string } };
    namespaceSelector?: { matchExpressions?: SelectorRequirement[] };
  }[];
}

/**
 * The namespaces the object webhook of a ValidatingWebhookConfiguration never sees: those
 * its namespaceSelector excludes by name, and the namespace of its Service. Undefined
 * when the configuration has no such webhook (not graphdata's, or not installed).
 */
export function namespacesExcludedBy(configuration: unknown): string[] | undefined {
  const webhooks = (configuration as ValidatingConfiguration | undefined)?.webhooks ?? [];
  const objects = webhooks.find((w) => w.name?.startsWith('validate.'));
  if (!objects) return undefined;
  const excluded = new Set<string>();
  for (const e of objects.namespaceSelector?.matchExpressions ?? [])
    if (e.key === NAME_LABEL && e.operator === 'NotIn') for (const v of e.values ?? []) excluded.add(v);
  const own = objects.clientConfig?.service?.namespace;
  if (own) excluded.add(own);
  return [...excluded];
}

/** The system namespaces and the webhook's own (or those its registration excludes): never audited. */
export const neverAudited = (excluded: readonly string[]): Set<string> => new Set([...SYSTEM_NAMESPACES, ...excluded]);

export { labelWrittenAt } from '../kube/managed-fields.js';
