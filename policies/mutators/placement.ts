// Placement: put readers on the nodes that cache their data, ANDed into whatever
// placement the pod already asks for (never loosening it).
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PreferredSchedulingTerm } from '@kubernetes/client-node';
import type { PodSpec } from '../k8s.js';
import { ANNOTATION_DATASET } from '../model.js';
import { isSubset } from './ensure.js';
import type { Action, Mutator } from './types.js';

/** Fluid labels nodes that cache dataset NAME in namespace NS with this key. */
export const fluidDatasetLabel = (namespace: string, dataset: string): string => `fluid.io/s-${namespace}-${dataset}`;

export const placement: Mutator = {
  name: 'placement',
  summary: 'nodeSelector or node affinity toward Alluxio worker / Fluid cache nodes',
  apply(pod, { spec, namespace }) {
    const actions: Action[] = [];
    if (!pod.spec) return { pod, actions };
    const { mode, nodeLabels, weight } = spec.placement;
    const requirements = Object.entries(nodeLabels).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
    if (mode === 'none' || requirements.length === 0) {
      actions.push({
        mutator: 'placement',
        outcome: 'skipped',
        subject: 'node placement',
        reason: 'the policy sets placement.mode none',
      });
    } else if (mode === 'nodeSelector') {
      actions.push(...mergeNodeSelector(pod.spec, nodeLabels));
    } else if (mode === 'required') {
      actions.push(...requireOnEveryTerm(pod.spec, requirements));
    } else {
      actions.push(prefer(pod.spec, requirements, weight, 'cache nodes'));
    }

    const dataset = pod.metadata?.annotations?.[ANNOTATION_DATASET];
    const ns = namespace ?? pod.metadata?.namespace;
    if (dataset && ns) {
      const key = fluidDatasetLabel(ns, dataset);
      actions.push(
        prefer(pod.spec, [{ key, operator: 'In', values: ['true'] }], 100, `nodes caching dataset ${dataset}`),
      );
    } else if (dataset) {
      actions.push({
        mutator: 'placement',
        outcome: 'skipped',
        subject: `dataset ${dataset}`,
        reason: 'the pod has no namespace, so the Fluid node label cannot be named',
        hint: 'set metadata.namespace',
      });
    }
    return { pod, actions };
  },
};

function mergeNodeSelector(spec: PodSpec, labels: Record<string, string>): Action[] {
  const selector = (spec.nodeSelector ??= {});
  return Object.entries(labels).map(([key, value]): Action => {
    const subject = `nodeSelector ${key}=${value}`;
    const current = selector[key];
    if (current === undefined) {
      selector[key] = value;
      return { mutator: 'placement', outcome: 'applied', subject };
    }
    return current === value
      ? { mutator: 'placement', outcome: 'present', subject }
      : {
          mutator: 'placement',
          outcome: 'conflict',
          subject,
          path: `spec.nodeSelector[${JSON.stringify(key)}]`,
          reason: `the pod selects ${key}=${current}; it is kept`,
          hint: `drop nodeSelector ${key} from the pod, or use a profile whose placement matches it`,
        };
  });
}

/** Required terms are ORed, so our requirement goes into every term to AND it with each. */
function requireOnEveryTerm(spec: PodSpec, requirements: V1NodeSelectorRequirement[]): Action[] {
  const nodeAffinity = ((spec.affinity ??= {}).nodeAffinity ??= {});
  const required = (nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
  const terms = required.nodeSelectorTerms;
  if (terms.length === 0) terms.push({ matchExpressions: [] });
  const actions: Action[] = [];
  terms.forEach((term: V1NodeSelectorTerm, i) => {
    const expressions = (term.matchExpressions ??= []);
    for (const req of requirements) {
      const subject = `required node affinity ${req.key} In ${req.values?.join(',')} (term ${i})`;
      const sameKey = expressions.find((e) => e.key === req.key);
      if (!sameKey) {
        expressions.push(req);
        actions.push({ mutator: 'placement', outcome: 'applied', subject });
      } else if (isSubset(req, sameKey)) {
        actions.push({ mutator: 'placement', outcome: 'present', subject });
      } else {
        actions.push({
          mutator: 'placement',
          outcome: 'conflict',
          subject,
          path: `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`,
          reason: `the term already constrains ${req.key} differently; it is kept`,
          hint: `remove the ${req.key} expression from the pod's affinity`,
        });
      }
    }
  });
  return actions;
}

function prefer(spec: PodSpec, expressions: V1NodeSelectorRequirement[], weight: number, what: string): Action {
  const nodeAffinity = ((spec.affinity ??= {}).nodeAffinity ??= {});
  const preferred = (nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ??= []);
  const term: V1PreferredSchedulingTerm = { weight, preference: { matchExpressions: expressions } };
  const subject = `preferred node affinity toward ${what}`;
  if (preferred.some((p) => isSubset(term.preference, p.preference))) {
    return { mutator: 'placement', outcome: 'present', subject };
  }
  preferred.push(term);
  return { mutator: 'placement', outcome: 'applied', subject };
}
