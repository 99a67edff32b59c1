// A fixed namespace index (namespace → labels), standing in for the webhook's informer.
import type { NamespaceIndex } from '../../webhook/namespace-index.js';

export const staticNamespaceIndex = (labels: Record<string, Record<string, string>>): NamespaceIndex => ({
  labels: (namespace) => (Object.hasOwn(labels, namespace) ? labels[namespace] : undefined),
});
