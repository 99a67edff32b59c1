// Visiting every string of an object with its path: placeholders, hard-coded ports
// and jar names can hide anywhere (env, args, sparkConf, operator-specific fields).
import type { Segments } from '../diagnostics.js';

// Copies of the object itself (last-applied) and server bookkeeping would double every finding.
const SKIP_KEYS = new Set([
  'managedFields',
  'status',
  'kubectl.kubernetes.io/last-applied-configuration',
  'graphdata.io/injected',
]);

export function walkStrings(
  value: unknown,
  visit: (text: string, path: Segments, key: string | number | undefined) => void,
  path: Segments = [],
): void {
  if (typeof value === 'string') {
    visit(value, path, path[path.length - 1]);
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walkStrings(item, visit, [...path, i]);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (!SKIP_KEYS.has(key)) walkStrings(item, visit, [...path, key]);
    }
  }
}
