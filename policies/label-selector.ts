// metav1.LabelSelector semantics, for profile ownership and policy namespaceSelector:
// every matchLabels pair and every matchExpressions requirement must hold; an empty
// selector matches everything (as in Kubernetes).
import type { LabelSelector } from './model.js';

export function matchesSelector(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const has = (key: string) => Object.hasOwn(labels, key);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    if (!has(key) || labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const ok =
      operator === 'In'
        ? has(key) && values.includes(labels[key]!)
        : operator === 'NotIn'
          ? !has(key) || !values.includes(labels[key]!)
          : operator === 'Exists'
            ? has(key)
            : operator === 'DoesNotExist'
              ? !has(key)
              : false; // an operator we do not know never matches: fail closed
    if (!ok) return false;
  }
  return true;
}

/** `team=a, tier in (x,y)`: the selector as kubectl prints it, for warnings. */
export function formatSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (operator === 'Exists') parts.push(key);
    else if (operator === 'DoesNotExist') parts.push(`!${key}`);
    else parts.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return parts.join(', ') || '(everything)';
}
