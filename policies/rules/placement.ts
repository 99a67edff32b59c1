// Executors kept off the cache nodes: a nodeSelector or required node affinity that
// can never match the policy's node labels. Injection merges placement with AND
// semantics, so such an executor would either never schedule or read remotely.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { podViews } from './pod-view.js';
import { isWorkloadKind, isObject, modeSeverity, type Rule } from './types.js';

interface Requirement {
  key?: string;
  operator?: string;
  values?: string[];
}

/** True when a node carrying `key=value` can never satisfy this selector term. */
function termExcludes(term: unknown, key: string, value: string): boolean {
  const exprs: Requirement[] = isObject(term) && Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
  return exprs.some((e) => {
    if (e?.key !== key) return false;
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    return (
      (e.operator === 'In' && !values.includes(value)) ||
      (e.operator === 'NotIn' && values.includes(value)) ||
      e.operator === 'DoesNotExist'
    );
  });
}

export const placementRule: Rule = {
  code: 'executor-off-cache-nodes',
  description:
    'Spark executor nodeSelector / required node affinity contradicting the policy placement labels (Alluxio worker or Fluid cache nodes)',
  appliesTo: isWorkloadKind,
  check(obj, ctx) {
    const { mode, nodeLabels } = ctx.spec.placement;
    if (mode === 'none') return [];
    const severity = modeSeverity(ctx, 'executor-off-cache-nodes');
    const wanted = Object.entries(nodeLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const out: Diagnostic[] = [];
    for (const view of podViews(obj).filter((v) => v.sparkRole === 'executor')) {
      for (const [key, value] of Object.entries(nodeLabels)) {
        for (const selector of view.nodeSelectors) {
          const have = selector.value[key];
          if (have === undefined || String(have) === value) continue;
          out.push(
            diagnostic(
              severity,
              'executor-off-cache-nodes',
              `${view.label} nodeSelector ${key}=${have} keeps executors off the cache nodes (${wanted})`,
              {
                path: joinPath([...selector.path, key]),
                hint: `remove nodeSelector ${key} or set it to "${value}"; graphdata adds the cache-node placement itself`,
              },
            ),
          );
        }
        const required = view.affinity?.value?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
        const terms: unknown[] = Array.isArray(required?.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
        if (terms.length > 0 && terms.every((t) => termExcludes(t, key, value))) {
          out.push(
            diagnostic(
              severity,
              'executor-off-cache-nodes',
              `${view.label} required node affinity excludes nodes labelled ${key}=${value}, where the cache runs`,
              {
                path: joinPath([
                  ...view.affinity!.path,
                  'nodeAffinity',
                  'requiredDuringSchedulingIgnoredDuringExecution',
                  'nodeSelectorTerms',
                ]),
                hint: `drop the ${key} expression from the required terms, or allow "${value}"`,
              },
            ),
          );
        }
      }
    }
    return out;
  },
};
