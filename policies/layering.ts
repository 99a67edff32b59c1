// Layering: a namespace's effective policy is the cluster policy with the namespace's
// GraphDataPolicy laid over it. A namespace policy may set what the cluster policy
// leaves open and tighten its limits, never loosen them. Pure.
import { diagnostic, joinPath, type Diagnostic, type Segments } from './diagnostics.js';
import { canonicalRegistry } from './image-ref.js';
import {
  deepMerge,
  type DeepPartial,
  type EnforcementMode,
  type Policy,
  type PolicyLimits,
  type NamespaceOverride,
  type PolicySpec,
  type ProfileSpec,
} from './model.js';
import { matchesSelector } from './label-selector.js';
import { underPrefix } from './paths.js';
import { policyFromObject } from './policy-loader.js';
import { RULE_CODES, ruleMode } from './rule-codes.js';
import { parseLimitMemory } from './rules/quantity.js';
import type { SourceDocument } from './yaml-source.js';

/** What a GraphDataPolicy sets: any part of a cluster policy's spec, nothing filled in. */
export type NamespacePolicySpec = DeepPartial<
  Omit<PolicySpec, 'ruleModes' | 'limits' | 'namespaceOverrides' | 'podOptIn'>
> & {
  ruleModes?: Record<string, EnforcementMode>;
  limits?: PolicyLimits;
};

export interface NamespacePolicy {
  kind: 'GraphDataPolicy';
  name: string;
  namespace: string;
  generation: number;
  /** The spec as written: what it leaves out, the namespace inherits from the cluster policy. */
  spec: NamespacePolicySpec;
  profiles: Record<string, ProfileSpec>;
}

/** The code of every finding checkLayering reports. */
export const LOOSENS_CODE = 'policy-loosens-cluster';

/**
 * A GraphDataPolicy object as written. It passes the same schema checks (and gets the
 * same messages) as a policy file; `namespace` stands in when the object has none.
 */
export function namespacePolicyFromObject(
  value: unknown,
  opts: { file?: string; source?: SourceDocument; namespace?: string } = {},
): { policy?: NamespacePolicy; diagnostics: Diagnostic[] } {
  const { namespace: fallback, ...loadOpts } = opts;
  const loaded = policyFromObject(value, loadOpts);
  if (!loaded.policy) return { diagnostics: loaded.diagnostics };
  const namespace = loaded.policy.namespace ?? fallback;
  if (!namespace) {
    return {
      diagnostics: [
        diagnostic('error', 'policy-namespace', 'a GraphDataPolicy is namespaced; metadata.namespace is missing', {
          path: 'metadata.namespace',
          ...(opts.file ? { file: opts.file } : {}),
          hint: 'set metadata.namespace to the namespace it governs',
        }),
      ],
    };
  }
  const raw = structuredClone((value as { spec?: Record<string, unknown> }).spec ?? {});
  const { profiles, ...spec } = raw as NamespacePolicySpec & { profiles?: Record<string, ProfileSpec> };
  return {
    policy: {
      kind: 'GraphDataPolicy',
      name: loaded.policy.name,
      namespace,
      generation: loaded.policy.generation,
      spec,
      profiles: profiles ?? {},
    },
    diagnostics: loaded.diagnostics,
  };
}

const listText = (items: readonly string[]): string => `[${items.join(', ')}]`;

/** `ClusterGraphDataPolicy c`, and the namespace overrides laid over it, for messages. */
const ownerOf = (cluster: Pick<Policy, 'kind' | 'name' | 'overrides'>): string =>
  `${cluster.kind} ${cluster.name}${cluster.overrides?.length ? ` with namespaceOverrides ${cluster.overrides.join(', ')}` : ''}`;

/** `registry.internal/team-a` is inside `registry.internal`; `registry.internal.evil` is not. */
function registryCovered(entry: string, allowed: readonly string[]): boolean {
  const e = canonicalRegistry(entry.replace(/\/+$/, ''));
  return allowed.some((a) => {
    const c = canonicalRegistry(a.replace(/\/+$/, ''));
    return e === c || e.startsWith(`${c}/`);
  });
}

/**
 * Where `nsPolicy` would loosen `cluster`: one error per field, with its path, the
 * cluster limit it would loosen and the cluster policy's name. Empty: it may be laid over.
 */
export function checkLayering(cluster: Policy, nsPolicy: NamespacePolicy): Diagnostic[] {
  const owner = ownerOf(cluster);
  const out: Diagnostic[] = [];
  const loosens = (path: Segments, message: string, hint: string) =>
    out.push(diagnostic('error', LOOSENS_CODE, message, { path: joinPath(['spec', ...path]), hint }));
  const spec = nsPolicy.spec;
  const limits = spec.limits ?? {};
  const theirs = cluster.spec.limits;

  if (spec.mode === 'Audit' && cluster.spec.mode === 'Enforce') {
    loosens(
      ['mode'],
      `mode Audit would loosen the cluster policy's mode Enforce (${owner})`,
      'remove spec.mode to inherit Enforce; a namespace policy may only tighten',
    );
  }
  for (const [code, mode] of Object.entries(spec.ruleModes ?? {})) {
    if (mode !== 'Audit' || !(RULE_CODES as readonly string[]).includes(code)) continue;
    if (ruleMode(cluster.spec, code) !== 'Enforce') continue;
    loosens(
      ['ruleModes', code],
      `rule ${code} in Audit would loosen the cluster policy, which enforces it (${owner})`,
      `remove ruleModes.${code} or set it to Enforce`,
    );
  }

  // Lists: each entry must fall inside the cluster's list; an empty list where the rule reads it as "no limit" loosens.
  const clusterRegistries = theirs.allowedRegistries ?? [];
  if (clusterRegistries.length && limits.allowedRegistries) {
    if (!limits.allowedRegistries.length) {
      loosens(
        ['limits', 'allowedRegistries'],
        `an empty allowedRegistries allows every registry, loosening the cluster limit allowedRegistries ${listText(clusterRegistries)} (${owner})`,
        'remove it to inherit the cluster list, or list registries from it',
      );
    }
    limits.allowedRegistries.forEach((entry, i) => {
      if (registryCovered(entry, clusterRegistries)) return;
      loosens(
        ['limits', 'allowedRegistries', i],
        `registry ${entry} is outside the cluster limit allowedRegistries ${listText(clusterRegistries)} (${owner})`,
        `list only registries (or repositories under them) from ${clusterRegistries.join(', ')}`,
      );
    });
  }

  if (theirs.allowedHostPaths) {
    // The cluster's hostPath rule always admits its own socket directory.
    const permitted = [...theirs.allowedHostPaths, cluster.spec.alluxio.domainSocket.hostPath];
    (limits.allowedHostPaths ?? []).forEach((path, i) => {
      if (permitted.some((p) => underPrefix(path, p))) return;
      loosens(
        ['limits', 'allowedHostPaths', i],
        `hostPath ${path} is outside the cluster limit allowedHostPaths ${listText(theirs.allowedHostPaths!)} (${owner})`,
        `list only directories under ${permitted.join(', ')}`,
      );
    });
    // The socket directory is always admitted too, so moving it is a way to widen the list.
    const sockets: [Segments, string | undefined][] = [
      [['alluxio', 'domainSocket', 'hostPath'], spec.alluxio?.domainSocket?.hostPath],
      ...Object.entries(nsPolicy.profiles).map(([name, p]): [Segments, string | undefined] => [
        ['profiles', name, 'alluxio', 'domainSocket', 'hostPath'],
        p.alluxio?.domainSocket?.hostPath,
      ]),
    ];
    for (const [path, hostPath] of sockets) {
      if (hostPath === undefined || permitted.some((p) => underPrefix(hostPath, p))) continue;
      loosens(
        path,
        `socket directory ${hostPath} is outside the cluster limit allowedHostPaths ${listText(theirs.allowedHostPaths)} (${owner}); the socket directory is always admitted, so this would widen it`,
        `use a directory under ${permitted.join(', ')}, or PVC mode (alluxio.domainSocket.persistentVolumeClaim)`,
      );
    }
  }

  const clusterPrefixes = theirs.alluxioPathPrefixes ?? [];
  if (clusterPrefixes.length && limits.alluxioPathPrefixes) {
    if (!limits.alluxioPathPrefixes.length) {
      loosens(
        ['limits', 'alluxioPathPrefixes'],
        `an empty alluxioPathPrefixes allows every Alluxio path, loosening the cluster limit alluxioPathPrefixes ${listText(clusterPrefixes)} (${owner})`,
        'remove it to inherit the cluster list, or list prefixes under it',
      );
    }
    limits.alluxioPathPrefixes.forEach((prefix, i) => {
      if (clusterPrefixes.some((p) => underPrefix(prefix, p))) return;
      loosens(
        ['limits', 'alluxioPathPrefixes', i],
        `Alluxio path ${prefix} is outside the cluster limit alluxioPathPrefixes ${listText(clusterPrefixes)} (${owner})`,
        `list only paths under ${clusterPrefixes.join(', ')}`,
      );
    });
  }

  if (theirs.requireResources === true && limits.requireResources === false) {
    loosens(
      ['limits', 'requireResources'],
      `requireResources false would loosen the cluster limit requireResources true (${owner})`,
      'remove it to inherit true',
    );
  }

  const caps = [
    ['maxExecutorCores', limits.maxExecutorCores, theirs.maxExecutorCores],
    ['maxCnReplicas', limits.maxCnReplicas, theirs.maxCnReplicas],
  ] as const;
  for (const [field, mine, cap] of caps) {
    if (mine === undefined || cap === undefined || mine <= cap) continue;
    loosens(
      ['limits', field],
      `${field} ${mine} is above the cluster limit ${field} ${cap} (${owner})`,
      `set it to ${cap} or less, or remove it to inherit ${cap}`,
    );
  }
  const memory = limits.maxExecutorMemory;
  const memoryCap = theirs.maxExecutorMemory;
  if (memory !== undefined && memoryCap !== undefined) {
    const [mine, cap] = [parseLimitMemory(memory), parseLimitMemory(memoryCap)];
    if (mine !== undefined && cap !== undefined && mine > cap) {
      loosens(
        ['limits', 'maxExecutorMemory'],
        `maxExecutorMemory ${memory} is above the cluster limit maxExecutorMemory ${memoryCap} (${owner})`,
        `set it to ${memoryCap} or less, or remove it to inherit ${memoryCap}`,
      );
    }
  }

  // Profiles of a namespace policy serve that namespace only; reaching others is the cluster's to grant.
  for (const [name, profile] of Object.entries(nsPolicy.profiles)) {
    (profile.allowedNamespaces ?? []).forEach((ns, i) => {
      if (ns === nsPolicy.namespace) return;
      loosens(
        ['profiles', name, 'allowedNamespaces', i],
        `profile ${name} reaches namespace ${ns}; a GraphDataPolicy's profiles serve ${nsPolicy.namespace} only, other namespaces get profiles from the cluster policy (${owner})`,
        `remove ${ns}; ask for the profile in the ClusterGraphDataPolicy`,
      );
    });
    if (profile.namespaceSelector) {
      loosens(
        ['profiles', name, 'namespaceSelector'],
        `profile ${name} selects namespaces by label; a GraphDataPolicy's profiles serve ${nsPolicy.namespace} only (${owner})`,
        'remove namespaceSelector: the profile already applies in its own namespace',
      );
    }
  }
  return out;
}

/**
 * The policy pods in `nsPolicy`'s namespace get: the cluster spec with what the namespace
 * sets laid over it (objects merge key by key, lists and values replace), and the
 * namespace's profiles beside the cluster's (same name: the namespace's). Call it only
 * when checkLayering found nothing: then every limit it replaces is a tighter one.
 */
export function effectivePolicy(cluster: Policy, nsPolicy: NamespacePolicy | undefined): Policy {
  if (!nsPolicy) return cluster;
  return {
    kind: nsPolicy.kind,
    name: nsPolicy.name,
    namespace: nsPolicy.namespace,
    generation: nsPolicy.generation,
    spec: deepMerge(cluster.spec, nsPolicy.spec),
    profiles: { ...cluster.profiles, ...nsPolicy.profiles },
  };
}

/** A namespace override as the layer checkLayering and effectivePolicy take (it tightens, as a GraphDataPolicy does). */
const overrideLayer = (cluster: Policy, o: NamespaceOverride): NamespacePolicy => ({
  kind: 'GraphDataPolicy',
  name: o.name,
  namespace: '',
  generation: cluster.generation,
  spec: {
    ...(o.mode ? { mode: o.mode } : {}),
    ...(o.ruleModes ? { ruleModes: o.ruleModes } : {}),
    ...(o.limits ? { limits: o.limits } : {}),
  },
  profiles: {},
});

/** Where a finding on an override's layer points in the cluster policy: `spec.namespaceOverrides[i].limits…`. */
const atOverride = (d: Diagnostic, i: number): Diagnostic => ({
  ...d,
  path: (d.path ?? 'spec').replace(/^spec/, `spec.namespaceOverrides[${i}]`),
});

/**
 * A cluster policy's own namespaceOverrides: each must tighten the cluster policy (the
 * checks a GraphDataPolicy gets, code policy-loosens-cluster) and have a name of its own.
 */
export function checkNamespaceOverrides(cluster: Policy): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  (cluster.spec.namespaceOverrides ?? []).forEach((o, i) => {
    if (seen.has(o.name))
      out.push(
        diagnostic('error', 'policy-override-name', `two namespaceOverrides are named ${o.name}`, {
          path: `spec.namespaceOverrides[${i}].name`,
          hint: 'give each override its own name: explain and messages name the ones applied',
        }),
      );
    seen.add(o.name);
    const base = { ...cluster, overrides: [] };
    out.push(...checkLayering(base, overrideLayer(base, o)).map((d) => atOverride(d, i)));
  });
  return out;
}

/** Set on every namespace by the apiserver: selects a namespace by name, and all a namespace is known by before its labels are. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface OverriddenPolicy {
  /** The cluster policy as the namespace sees it (the cluster policy itself when no override applies). */
  policy: Policy;
  /** Overrides whose selector matched but that were not applied, and why. */
  skipped: { name: string; reason: string }[];
}

const overrideCache = new WeakMap<Policy, Map<string, OverriddenPolicy>>();

/**
 * The cluster policy for a namespace with these labels: every namespaceOverride whose
 * selector matches, laid over it in order as a GraphDataPolicy would be (objects merge,
 * lists and values replace). Each must tighten what the ones before left: one that would
 * loosen it is skipped (and reported), so no later override undoes an earlier one. Results
 * are cached per policy object and label set; never change them.
 */
export function applyNamespaceOverrides(cluster: Policy, labels: Readonly<Record<string, string>>): OverriddenPolicy {
  const overrides = cluster.spec.namespaceOverrides ?? [];
  // Once per namespace: a policy that already is a namespace's view is returned as it is.
  if (!overrides.length || cluster.overrides) return { policy: cluster, skipped: [] };
  const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let cache = overrideCache.get(cluster);
  const cached = cache?.get(key);
  if (cached) return cached;
  let policy = cluster;
  const applied: string[] = [];
  const skipped: OverriddenPolicy['skipped'] = [];
  for (const o of overrides) {
    if (!matchesSelector(o.namespaceSelector, labels)) continue;
    const layer = overrideLayer(cluster, o);
    const loosens = checkLayering(policy, layer);
    if (loosens.length) {
      skipped.push({ name: o.name, reason: loosens.map((d) => d.message).join('; ') });
      continue;
    }
    applied.push(o.name);
    policy = { ...policy, spec: deepMerge(policy.spec, layer.spec) };
  }
  // `overrides` set, even empty, marks the namespace's view: applying again changes nothing.
  const result = { policy: { ...policy, overrides: applied }, skipped };
  if (!cache) overrideCache.set(cluster, (cache = new Map()));
  // Bounded by the label sets of the cluster's namespaces; the cache goes with the policy object.
  cache.set(key, result);
  return result;
}
