// Placement: put readers on the nodes that cache their data, ANDed into whatever
// placement the pod already asks for (never loosening it).
import type { V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PreferredSchedulingTerm } from '@kubernetes/client-node';
import type { PodSpec } from '../k8s.js';
import { ANNOTATION_DATASET } from '../model.js';
import type { PodEdits } from '../patch.js';
import { isSubset } from './ensure.js';
import type { Action, Mutator } from './types.js';

/** Fluid's prefix for the label it puts on nodes that cache a dataset (value "true"). */
const FLUID_NODE_LABEL_PREFIX = 'fluid.io/s-';
/** Fluid requires Dataset names to be DNS-1035 labels. */
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** The name part of a label key (after `prefix/`), as the apiserver validates it. */
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export type DatasetLabel = { key: string } | { problem: string; hint: string };

/**
 * The key Fluid labels nodes caching dataset NAME of namespace NS with: `fluid.io/s-NS-NAME`
 * while that is under 63 characters, else `fluid.io/s-<Dataset UID>` (Fluid's
 * GetNamespacedNameValueWithPrefix), which the engine does not know: then a problem.
 */
export function fluidDatasetLabel(namespace: string, dataset: string): DatasetLabel {
  if (dataset.length > 63 || !DNS1035_LABEL.test(dataset)) {
    return {
      // The value is the user's: shown shortened so the warning keeps its hint within 256 characters.
      problem: `${JSON.stringify(dataset.length > 40 ? `${dataset.slice(0, 40)}…` : dataset)} is not a Fluid Dataset name (lower-case letters, digits and '-', starting with a letter, at most 63 characters)`,
      hint: "set the annotation to the name of a Dataset in the pod's namespace",
    };
  }
  const full = `${FLUID_NODE_LABEL_PREFIX}${namespace}-${dataset}`;
  if (full.length >= 63) {
    const longest = 62 - FLUID_NODE_LABEL_PREFIX.length - namespace.length - 1;
    const yourself = 'add a node affinity preference for fluid.io/s-<Dataset UID>=true yourself';
    return {
      problem: `Fluid labels the nodes caching ${namespace}/${dataset} with fluid.io/s-<Dataset UID> (${full} would be 63 characters or more), and the Dataset's UID is not known here`,
      hint: longest > 0 ? `use a dataset name of at most ${longest} characters, or ${yourself}` : yourself,
    };
  }
  const name = full.slice('fluid.io/'.length);
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return { problem: `${full} is not a valid label key`, hint: 'check the namespace and dataset names' };
  }
  return { key: full };
}

export const placement: Mutator = {
  name: 'placement',
  summary: 'nodeSelector or node affinity toward Alluxio worker / Fluid cache nodes',
  apply(pod, { spec, namespace, edits }) {
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
      actions.push(...mergeNodeSelector(pod.spec, nodeLabels, edits));
    } else if (mode === 'required') {
      actions.push(...requireOnEveryTerm(pod.spec, requirements, edits));
    } else {
      actions.push(prefer(pod.spec, requirements, weight, 'cache nodes', edits));
    }

    const dataset = pod.metadata?.annotations?.[ANNOTATION_DATASET];
    const ns = namespace ?? pod.metadata?.namespace;
    const datasetPath = `metadata.annotations[${JSON.stringify(ANNOTATION_DATASET)}]`;
    if (dataset !== undefined && ns) {
      const label = fluidDatasetLabel(ns, dataset);
      if ('key' in label) {
        actions.push(
          prefer(
            pod.spec,
            [{ key: label.key, operator: 'In', values: ['true'] }],
            100,
            `nodes caching dataset ${dataset}`,
            edits,
          ),
        );
      } else {
        actions.push({
          mutator: 'placement',
          outcome: 'skipped',
          subject: 'dataset preference',
          path: datasetPath,
          reason: `${label.problem}; no preference was added`,
          hint: label.hint,
        });
      }
    } else if (dataset !== undefined) {
      actions.push({
        mutator: 'placement',
        outcome: 'skipped',
        subject: 'dataset preference',
        path: datasetPath,
        reason: 'the pod has no namespace, so the Fluid node label cannot be named',
        hint: 'set metadata.namespace',
      });
    }
    return { pod, actions };
  },
};

function mergeNodeSelector(spec: PodSpec, labels: Record<string, string>, edits: PodEdits): Action[] {
  return Object.entries(labels).map(([key, value]): Action => {
    const subject = `nodeSelector ${key}=${value}`;
    const current = spec.nodeSelector?.[key];
    if (current === undefined) {
      edits.set(edits.object(spec, 'nodeSelector', '/spec'), key, value, '/spec/nodeSelector');
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

const REQUIRED = 'requiredDuringSchedulingIgnoredDuringExecution';
const PREFERRED = 'preferredDuringSchedulingIgnoredDuringExecution';

function nodeAffinityOf(spec: PodSpec, edits: PodEdits) {
  return edits.object(edits.object(spec, 'affinity', '/spec'), 'nodeAffinity', '/spec/affinity');
}

/** Required terms are ORed, so our requirement goes into every term to AND it with each. */
function requireOnEveryTerm(spec: PodSpec, requirements: V1NodeSelectorRequirement[], edits: PodEdits): Action[] {
  const nodeAffinity = nodeAffinityOf(spec, edits);
  const at = `/spec/affinity/nodeAffinity/${REQUIRED}`;
  if (!nodeAffinity[REQUIRED])
    edits.set(nodeAffinity, REQUIRED, { nodeSelectorTerms: [] }, '/spec/affinity/nodeAffinity');
  const terms = nodeAffinity[REQUIRED]!.nodeSelectorTerms;
  if (terms.length === 0) edits.insert(terms, 0, { matchExpressions: [] }, `${at}/nodeSelectorTerms`);
  const actions: Action[] = [];
  terms.forEach((term: V1NodeSelectorTerm, i) => {
    for (const req of requirements) {
      const subject = `required node affinity ${req.key} In ${req.values?.join(',')} (term ${i})`;
      const sameKey = term.matchExpressions?.find((e) => e.key === req.key);
      if (!sameKey) {
        edits.append(term, 'matchExpressions', req, `${at}/nodeSelectorTerms/${i}`);
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

function prefer(
  spec: PodSpec,
  expressions: V1NodeSelectorRequirement[],
  weight: number,
  what: string,
  edits: PodEdits,
): Action {
  const term: V1PreferredSchedulingTerm = { weight, preference: { matchExpressions: expressions } };
  const subject = `preferred node affinity toward ${what}`;
  if (spec.affinity?.nodeAffinity?.[PREFERRED]?.some((p) => isSubset(term.preference, p.preference))) {
    return { mutator: 'placement', outcome: 'present', subject };
  }
  edits.append(nodeAffinityOf(spec, edits), PREFERRED, term, '/spec/affinity/nodeAffinity');
  return { mutator: 'placement', outcome: 'applied', subject };
}
