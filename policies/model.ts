// The policy model: what a ClusterGraphDataPolicy / GraphDataPolicy spec says.
// The same shape is read from policy files (the built-in one, `--policy FILE`) and from
// the ClusterGraphDataPolicy / GraphDataPolicy objects in a cluster.

export const GROUP = 'graphdata.io';
export const API_VERSION = 'graphdata.io/v1alpha1';
export const POLICY_KINDS = ['ClusterGraphDataPolicy', 'GraphDataPolicy'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** User-visible names, fixed by DESIGN.md. */
export const LABEL_INJECT = 'graphdata.io/inject';
export const ANNOTATION_PROFILE = 'graphdata.io/profile';
export const ANNOTATION_DATASET = 'graphdata.io/dataset';
export const ANNOTATION_INJECTED = 'graphdata.io/injected';

export type EnforcementMode = 'Enforce' | 'Audit';
export type PlacementMode = 'nodeSelector' | 'required' | 'preferred' | 'none';
export type CacheMode = 'alluxio' | 'fluid';
/**
 * How the Alluxio client jar reaches the pod: an init container copies it out of the
 * Alluxio image into an emptyDir, or the Alluxio image is mounted as an `image` volume
 * (ImageVolume: Kubernetes 1.35+ by default) and nothing is copied or run.
 */
export const CLIENT_JAR_DELIVERIES = ['initContainer', 'imageVolume'] as const;
export type ClientJarDelivery = (typeof CLIENT_JAR_DELIVERIES)[number];

export interface AlluxioSettings {
  /** Alluxio version; names the client jar `alluxio-<version>-client.jar`. */
  version: string;
  /** Image the client jar comes from (copied by the init container, or mounted as an image volume). */
  image: string;
  clientJar: {
    /** The webhook falls back to initContainer when the cluster does not serve image volumes. */
    delivery: ClientJarDelivery;
  };
  master: {
    hostname: string;
    rpcPort: number;
    /** HA masters as `host:port`; when set, replaces hostname/rpcPort. */
    addresses?: string[];
  };
  domainSocket: {
    /** Directory on the node the worker writes its socket to (hostPath mode, the default). */
    hostPath: string;
    /** Worker's `alluxio.worker.data.server.domain.socket.address` as seen in the pod. */
    mountPath: string;
    /**
     * PVC mode: the claim the worker shares its socket directory through (the Alluxio Helm
     * chart's `alluxio-worker-domain-socket`). Replaces the hostPath; admissible under
     * PodSecurity baseline and restricted.
     */
    persistentVolumeClaim?: string;
  };
  /** Extra `-Dalluxio.*` client properties, without the `-D`. */
  properties: Record<string, string>;
}

export interface PlacementSettings {
  mode: PlacementMode;
  /** Labels of nodes that run an Alluxio worker (or cache the Fluid dataset). */
  nodeLabels: Record<string, string>;
  /** Weight of preferred terms, 1–100. */
  weight: number;
}

export interface MirrorRule {
  /** Registry host as written or implied (`docker.io` for `alluxio/alluxio`). */
  from: string;
  to: string;
}

export interface ImageSettings {
  /** Tag to use when an image has none or `:latest`, keyed by repository (`apache/spark`). */
  defaultTags: Record<string, string>;
  mirrors: MirrorRule[];
  pullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  pullSecrets: string[];
}

/** Bounds that enforcement and `validate` check; mutation never widens them. */
export interface PolicyLimits {
  allowedRegistries?: string[];
  allowedHostPaths?: string[];
  requireResources?: boolean;
  maxExecutorCores?: number;
  maxExecutorMemory?: string;
  maxCnReplicas?: number;
  alluxioPathPrefixes?: string[];
}

export interface PolicySpec {
  mode: EnforcementMode;
  /**
   * Per-rule mode, keyed by rule code (`registry-not-allowed`, `not-injected`, …); a rule
   * not listed follows `mode`, except `not-injected` (the safety net), which defaults to Enforce.
   */
  ruleModes?: Record<string, EnforcementMode>;
  cache: CacheMode;
  alluxio: AlluxioSettings;
  placement: PlacementSettings;
  images: ImageSettings;
  limits: PolicyLimits;
  /** Cluster policies only: tightenings for the namespaces whose labels match, in order. */
  namespaceOverrides?: NamespaceOverride[];
  /** Cluster policies only: where pods may opt in by their own label (policies/pod-opt-in.ts). */
  podOptIn?: PodOptIn;
}

/**
 * Where a pod labelled `graphdata.io/inject=enabled` is served in a namespace that is not
 * opted in. No namespaceSelector: nowhere; an empty one: every namespace.
 */
export interface PodOptIn {
  namespaceSelector?: LabelSelector;
}

/**
 * A tightening of the cluster policy for the namespaces its selector matches: the fields
 * a GraphDataPolicy may tighten, set by the platform where tenants cannot delete it.
 */
export interface NamespaceOverride {
  /** Names it in explain, status and messages. */
  name: string;
  namespaceSelector: LabelSelector;
  mode?: EnforcementMode;
  ruleModes?: Record<string, EnforcementMode>;
  limits?: PolicyLimits;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A Kubernetes label selector (metav1.LabelSelector): all of its terms must match. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Which namespaces may use a profile. Neither set: any namespace. */
export interface ProfileOwnership {
  /** Namespace names whose pods may pick the profile. */
  allowedNamespaces?: string[];
  /** Namespaces whose labels match may pick the profile (in addition to allowedNamespaces). */
  namespaceSelector?: LabelSelector;
}

/** The settings a profile lays over the spec. */
export type ProfileSettings = DeepPartial<
  Omit<PolicySpec, 'mode' | 'ruleModes' | 'limits' | 'namespaceOverrides' | 'podOptIn'>
>;

/** A profile overrides parts of the spec; chosen per pod with `graphdata.io/profile`. */
export type ProfileSpec = ProfileSettings & ProfileOwnership;

export interface Policy {
  kind: PolicyKind;
  name: string;
  namespace?: string;
  /** metadata.generation; recorded in `graphdata.io/injected`. */
  generation: number;
  spec: PolicySpec;
  profiles: Record<string, ProfileSpec>;
  /**
   * A namespace's view of a cluster policy: the names of the `namespaceOverrides` laid
   * over its spec there, in order (policies/layering.ts `applyNamespaceOverrides`).
   */
  overrides?: string[];
}

export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays and scalars in `over` replace those in `base`. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : v;
  }
  return out as T;
}

/**
 * The profile named `name`, as an own property only: `constructor`, `toString` or
 * `__proto__` from a pod annotation must not reach Object.prototype.
 */
export const lookupProfile = (policy: Policy, name: string): ProfileSpec | undefined =>
  Object.hasOwn(policy.profiles, name) ? policy.profiles[name] : undefined;

/**
 * Merged profiles, per policy object: a policy is never changed once loaded (a new
 * version is a new object), so each profile is merged once, not on every admission.
 */
const resolvedProfiles = new WeakMap<Policy, Map<string, PolicySpec>>();

/** The spec a pod gets: the policy's spec, with the named profile laid over it. Never change the result. */
export function resolveSpec(policy: Policy, profile: string | undefined): PolicySpec {
  const override = profile === undefined ? undefined : lookupProfile(policy, profile);
  if (!override) return policy.spec;
  let cache = resolvedProfiles.get(policy);
  if (!cache) resolvedProfiles.set(policy, (cache = new Map()));
  let spec = cache.get(profile!);
  if (!spec) {
    const { allowedNamespaces: _names, namespaceSelector: _selector, ...settings } = override;
    spec = deepMerge(policy.spec, settings);
    cache.set(profile!, spec);
  }
  return spec;
}

export const clientJarName = (alluxio: AlluxioSettings): string => `alluxio-${alluxio.version}-client.jar`;
