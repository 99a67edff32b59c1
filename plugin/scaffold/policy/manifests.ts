// `scaffold policy`: a starter GraphDataPolicy (per namespace, may only tighten) or
// ClusterGraphDataPolicy (cluster-wide defaults and limits), checked by the same loader
// the webhook uses before it is printed.
import { invalidPolicyMessage } from '../../../policies/diagnostics.js';
import { parseImage, registryOf, resolveImage } from '../../../policies/image-ref.js';
import {
  API_VERSION,
  type ImageSettings,
  LABEL_INJECT,
  type Policy,
  type PolicyLimits,
} from '../../../policies/model.js';
import { allowedImage } from '../../../policies/rules/limits-sources.js';
import { nameProblem } from '../../../policies/object-names.js';
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
  /** Cluster only: `KEY=VALUE` labels of the namespaces where pods may opt in by their own label. */
  podOptInNamespaces?: string[] | undefined;
}

/** With `cluster` (whose injection settings it spells out) a ClusterGraphDataPolicy, else a GraphDataPolicy. */
export function scaffoldPolicy(
  { name, namespace }: ScaffoldTarget,
  flags: PolicyOptions,
  cluster?: Policy,
  /** Without `cluster`: the cluster policy assumed in effect, for the self-check note. */
  inheritedFrom?: Policy,
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
    const { cache, alluxio, placement } = cluster.spec;
    const images = withClientMirror(cluster.spec.images, alluxio.image, limits.allowedRegistries);
    const podOptIn = flags.podOptInNamespaces?.length
      ? { podOptIn: { namespaceSelector: { matchLabels: matchLabels(flags.podOptInNamespaces) } } }
      : {};
    object = {
      apiVersion: API_VERSION,
      kind: 'ClusterGraphDataPolicy',
      metadata: meta(name),
      spec: { mode, cache, alluxio, placement, images, limits, ...podOptIn },
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
  const selfNotes = selfCheckNotes(object, cluster, inheritedFrom, limits);
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
    ...(flags.podOptInNamespaces?.length && cluster
      ? [
          `Pods labelled ${LABEL_INJECT}=enabled are also served in namespaces labelled ${flags.podOptInNamespaces.join(',')} ` +
            '(spec.podOptIn; elsewhere such pods are denied). Tenants cannot label namespaces, so they cannot widen it.',
        ]
      : []),
  ];
  return { objects: [object], notes: [...selfNotes, ...notes] };
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/** `KEY=VALUE` pairs as a matchLabels, each key and value in Kubernetes label syntax. */
function matchLabels(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, Math.max(eq, 0));
    const value = pair.slice(eq + 1);
    const slash = key.lastIndexOf('/');
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const ok =
      eq > 0 &&
      LABEL_NAME.test(key.slice(slash + 1)) &&
      (prefix === undefined || nameProblem(prefix, 'dns1123-subdomain') === undefined) &&
      (value === '' || LABEL_NAME.test(value));
    if (!ok)
      throw new UserError(
        `--pod-opt-in-namespaces ${JSON.stringify(pair)} is not a namespace label KEY=VALUE`,
        'a label key is [prefix/]name and a value at most 63 letters, digits, -, _ or .; e.g. --pod-opt-in-namespaces platform.example/vela-apps=true',
        2,
      );
    out[key] = value;
  }
  return out;
}

/**
 * Registries restricted and the Alluxio client image (which the policy injects) outside
 * them: the policy would refuse the pods it injects. A mirror of the image's registry to
 * the first allowed one fixes that (the image has to be copied there).
 */
function withClientMirror(images: ImageSettings, clientImage: string, allowed: string[] | undefined): ImageSettings {
  if (!allowed?.length) return images;
  if (allowedImage(resolveImage(clientImage, images).image, allowed)) return images;
  const from = registryOf(parseImage(clientImage));
  if (images.mirrors.some((m) => m.from === from)) return images;
  return { ...images, mirrors: [...images.mirrors, { from, to: allowed[0]!.replace(/\/+$/, '') }] };
}

/** What the policy does to the client image it injects, said when the scaffold had to act or cannot. */
function selfCheckNotes(
  object: Manifest,
  cluster: Policy | undefined,
  inherited: Policy | undefined,
  limits: PolicyLimits,
): string[] {
  const allowed = limits.allowedRegistries;
  if (!allowed?.length) return [];
  if (cluster) {
    const spec = (object as unknown as { spec: { alluxio: { image: string }; images: ImageSettings } }).spec;
    const added = spec.images.mirrors.find((m) => !cluster.spec.images.mirrors.includes(m));
    if (!added) return [];
    const mirrored = resolveImage(spec.alluxio.image, spec.images).image;
    return [
      `images.mirrors ${added.from} → ${added.to} added: the Alluxio client image this policy injects, ${spec.alluxio.image}, ` +
        `is outside allowedRegistries, so the webhook would refuse every pod it injects. Copy the image to ${mirrored} ` +
        `(e.g. crane copy ${spec.alluxio.image} ${mirrored}); the mirror rewrites every ${added.from} image of the pods it injects.`,
    ];
  }
  if (!inherited) return [];
  const image = resolveImage(inherited.spec.alluxio.image, inherited.spec.images).image;
  if (allowedImage(image, allowed)) return [];
  return [
    `Under the built-in cluster policy, the Alluxio client image injected here, ${image}, is outside these registries and ` +
      'every pod it injects would be refused: the ClusterGraphDataPolicy must mirror it into one of them ' +
      '(scaffold policy --cluster with the same --allowed-registries adds the mirror).',
  ];
}
