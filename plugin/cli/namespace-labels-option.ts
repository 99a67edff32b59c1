// --namespace-labels k=v,k2=v2: the labels of the target namespace for offline
// inject/explain (PodSecurity level, profile namespaceSelector), as the webhook would see them.
import { Option } from 'clipanion';
import { UserError } from './base.js';

export const namespaceLabelsOption = () =>
  Option.String('--namespace-labels', {
    description:
      "Labels of the pods' namespace, as k=v,k2=v2 (e.g. pod-security.kubernetes.io/enforce=restricted,team=a)",
  });

export function parseNamespaceLabels(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new UserError(
        `--namespace-labels: ${JSON.stringify(pair)} is not key=value`,
        'write them like kubectl label does: --namespace-labels pod-security.kubernetes.io/enforce=baseline,team=a',
        2,
      );
    }
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}
