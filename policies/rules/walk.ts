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

/**
 * Calls `visit` for every string under `value`. `path` is one array that the walk
 * extends and shortens as it goes (a copy per node made validate's rules allocate more
 * than they checked): read it during the call, copy it to keep it.
 */
export function walkStrings(
  value: unknown,
  visit: (text: string, path: Segments, key: string | number | undefined) => void,
  path: (string | number)[] = [],
): void {
  if (typeof value === 'string') {
    visit(value, path, path[path.length - 1]);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walkStrings(value[i], visit, path);
      path.pop();
    }
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value)) {
      if (SKIP_KEYS.has(key)) continue;
      path.push(key);
      walkStrings((value as Record<string, unknown>)[key], visit, path);
      path.pop();
    }
  }
}
