// `scaffold policy`: a starter GraphDataPolicy (per namespace, may only tighten) or
// ClusterGraphDataPolicy (cluster-wide defaults and limits), checked by the same loader
// the webhook uses before it is printed.
import { invalidPolicyMessage } from '../../../policies/diagnostics.js';
import { API_VERSION, LABEL_INJECT, type Policy, type PolicyLimits } from '../../../policies/model.js';
import { policyFromObject } from '../../../policies/policy-loader.js';
import { UserError } from '../../cli/base.js';
import { meta } from '../objects.js';
import type { Manifest, ScaffoldResult, ScaffoldTarget } from '../types.js';

const MODES = ['Audit', 'Enforce'] as const;

export interface PolicyOptions {
  mode?: string | undefined;
  allowedRegistries?: string[] | undefined;
  maxExecutorCores?: number | undefined;
  maxExecutorMemory?: string | undefined;
  maxCnReplicas?: number | undefined;
}

/** With `cluster` (whose injection settings it spells out) a ClusterGraphDataPolicy, else a GraphDataPolicy. */
export function scaffoldPolicy(
  { name, namespace }: ScaffoldTarget,
  flags: PolicyOptions,
  cluster?: Policy,
): ScaffoldResult {
  const mode = MODES.find((m) => m.toLowerCase() === (flags.mode ?? 'Audit').toLowerCase());
  if (!mode)
    throw new UserError(
      `--mode ${JSON.stringify(flags.mode)} is not a policy mode`,
      'use --mode Audit (warn) or --mode Enforce (deny)',
      2,
    );
  const limits: PolicyLimits = {
    ...(flags.allowedRegistries?.length ? { allowedRegistries: flags.allowedRegistries } : {}),
    ...(flags.maxExecutorCores !== undefined ? { maxExecutorCores: flags.maxExecutorCores } : {}),
    ...(flags.maxExecutorMemory !== undefined ? { maxExecutorMemory: flags.maxExecutorMemory } : {}),
    ...(flags.maxCnReplicas !== undefined ? { maxCnReplicas: flags.maxCnReplicas } : {}),
  };
  let object: Manifest;
  if (cluster) {
    // Cluster-wide: spell out the injection settings so operators see what to adjust.
    const { cache, alluxio, placement, images } = cluster.spec;
    object = {
      apiVersion: API_VERSION,
      kind: 'ClusterGraphDataPolicy',
      metadata: meta(name),
      spec: { mode, cache, alluxio, placement, images, limits },
    };
  } else {
    object = {
      apiVersion: API_VERSION,
      kind: 'GraphDataPolicy',
      metadata: meta(name, namespace),
      // Without --mode it inherits the cluster policy's: Audit under an Enforce cluster policy would loosen it.
      spec: { ...(flags.mode !== undefined ? { mode } : {}), limits },
    };
  }
  const { diagnostics } = policyFromObject(object);
  if (diagnostics.length) {
    // The wording --policy FILE uses for a policy it refuses, with the flags as the source.
    throw new UserError(
      invalidPolicyMessage(`${object.kind}/${name} (from the flags)`, diagnostics),
      'fix the flag values named above',
      2,
    );
  }
  const scope = cluster ? 'cluster-wide' : `namespace ${namespace}`;
  const inherited = !cluster && flags.mode === undefined;
  const notes = [
    ...(cluster
      ? []
      : [
          `Laid over the ClusterGraphDataPolicy in effect: what it leaves out${inherited ? ', mode included,' : ''} is inherited, ` +
            'and it may only tighten (a policy that would loosen a cluster limit is rejected at creation).',
        ]),
    `${object.kind} ${name} (${scope}), mode ${inherited ? "the cluster policy's" : mode}: validate reports a broken limit as ` +
      `${inherited ? 'a warning or an error, as that mode says' : mode === 'Audit' ? 'a warning and the validating webhook admits it with one' : 'an error and the validating webhook denies it, saying what to change'}; ` +
      'a workload pod that was not injected is denied either way (spec.ruleModes sets a mode per rule, e.g. not-injected: Audit).',
    'More limits: allowedHostPaths, requireResources, alluxioPathPrefixes. Check manifests against it: kubectl ' +
      'graphdata validate -f FILE --policy POLICY.yaml; test what admission does under it: kubectl graphdata policy ' +
      'test DIR; find what a live cluster already breaks: kubectl graphdata audit -A --policy POLICY.yaml',
    `Applies in namespaces labelled ${LABEL_INJECT}=enabled. In a cluster the webhook reads the policy objects and ` +
      'applies each change without a restart; without one, it reads --policy FILE.',
  ];
  return { objects: [object], notes };
}
