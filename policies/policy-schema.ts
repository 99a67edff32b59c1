// OpenAPI v3 schema of a policy's spec: it validates policy files, and policy-crds.ts
// makes the CRDs' openAPIV3Schema from it. Defaults live here, and so in the
// ClusterGraphDataPolicy CRD, so a policy file only needs the fields it changes.
import { CLIENT_JAR_DELIVERIES } from './model.js';
import { POLICY_PATH_PATTERN } from './paths.js';
import { RULE_CODES } from './rule-codes.js';

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
// Every pattern matches the whole value (^…$): test/security/anchors.test.ts checks it.
/** An absolute path with no `..` segment: limits compare normalised paths, and `..` only hides where one leads. */
const policyPath: Schema = str({
  pattern: POLICY_PATH_PATTERN,
  description: 'an absolute path (starting with /) with no .. segments',
});
const absPath = (def: string): Schema => ({ ...policyPath, default: def });
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string' }, default: {} };
const strList = (extra: Schema = {}): Schema => ({ type: 'array', items: { type: 'string' }, ...extra });
const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  default: {},
  ...extra,
});

/** A Kubernetes object name (DNS-1123 subdomain), e.g. a PersistentVolumeClaim. */
const objectName: Schema = str({ pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 });
/** A namespace name (DNS-1123 label). */
const namespaceName: Schema = str({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 });

/** metav1.LabelSelector, for profiles' (and policies') namespaceSelector. */
export const labelSelectorSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['key', 'operator'],
        properties: {
          key: str({ minLength: 1 }),
          operator: str({ enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }),
          values: strList(),
        },
      },
    },
  },
};

const cacheSettings = {
  cache: str({ enum: ['alluxio', 'fluid'], default: 'alluxio' }),
  alluxio: obj({
    // Names the client jar file (alluxio-<version>-client.jar): a version, nothing that could be a path.
    version: str({
      pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z]+(\\.[0-9A-Za-z]+)*)?$',
      description: 'an Alluxio version such as 2.9.4 or 2.9.4-rc1',
      default: '2.9.4',
    }),
    image: str({ minLength: 1, default: 'alluxio/alluxio:2.9.4' }),
    clientJar: obj({
      // imageVolume needs the ImageVolume feature (on by default since 1.35); the webhook falls back without it.
      delivery: str({ enum: [...CLIENT_JAR_DELIVERIES], default: 'initContainer' }),
    }),
    master: obj({
      hostname: str({ minLength: 1, default: 'alluxio-master-0.alluxio' }),
      rpcPort: { type: 'integer', minimum: 1, maximum: 65535, default: 19998 },
      addresses: strList({ items: { type: 'string', pattern: '^[^:\\s]+:\\d+$' }, minItems: 1 }),
    }),
    domainSocket: obj({
      hostPath: absPath('/tmp/alluxio-domain'),
      mountPath: absPath('/opt/domain'),
      // PVC mode (the Alluxio Helm chart's default, claim alluxio-worker-domain-socket): replaces hostPath.
      persistentVolumeClaim: objectName,
    }),
    // Keys become -D<key>=<value> in JAVA_TOOL_OPTIONS: a key is one property name, never more options.
    properties: { ...stringMap, propertyNames: { pattern: '^alluxio(\\.[A-Za-z0-9_-]+)+$' } },
  }),
  placement: obj({
    mode: str({ enum: ['nodeSelector', 'required', 'preferred', 'none'], default: 'nodeSelector' }),
    nodeLabels: { ...stringMap, default: { alluxio: 'true' } },
    weight: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
  }),
  images: obj({
    defaultTags: { ...stringMap, default: { 'alluxio/alluxio': '2.9.4' } },
    mirrors: {
      type: 'array',
      default: [],
      // No default on list items: an empty rule would be invalid (required from/to).
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: str({ minLength: 1 }), to: str({ minLength: 1 }) },
      },
    },
    pullPolicy: str({ enum: ['Always', 'IfNotPresent', 'Never'] }),
    pullSecrets: strList({ default: [] }),
  }),
};

const MODES = ['Enforce', 'Audit'];

/** Spec fields only a ClusterGraphDataPolicy has: the platform's, where tenants cannot write. */
export const CLUSTER_ONLY_FIELDS = ['namespaceOverrides', 'podOptIn'] as const;

const limitFields = {
  allowedRegistries: strList(),
  allowedHostPaths: strList({ items: policyPath }),
  requireResources: { type: 'boolean' },
  maxExecutorCores: { type: 'integer', minimum: 1 },
  maxExecutorMemory: str({ pattern: '^\\d+(\\.\\d+)?([kmgtKMGT]i?|[kmgt])?$' }),
  maxCnReplicas: { type: 'integer', minimum: 1 },
  alluxioPathPrefixes: strList({ items: policyPath }),
};
// A map rather than fixed properties: the CRD keeps unknown keys instead of pruning
// them, so the loader and the validating webhook can name a misspelt rule code.
const ruleModes: Schema = {
  type: 'object',
  additionalProperties: str({ enum: MODES }),
  propertyNames: { enum: [...RULE_CODES] },
};

/**
 * The platform's per-namespace tightenings, in the cluster policy where tenants cannot
 * delete them: the fields a GraphDataPolicy may tighten (mode, ruleModes, limits), no
 * defaults (what an override leaves out stays as the cluster policy has it).
 */
const namespaceOverrides: Schema = {
  type: 'array',
  // Bounds the CRD's CEL cost (ruleModes keys are checked per item); more tiers than this is not a policy anyone reads.
  maxItems: 32,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'namespaceSelector'],
    properties: {
      name: namespaceName,
      namespaceSelector: labelSelectorSchema,
      mode: str({ enum: MODES }),
      ruleModes,
      limits: { type: 'object', additionalProperties: false, properties: limitFields },
    },
  },
};

export const policySpecSchema: Schema = obj({
  mode: str({ enum: MODES, default: 'Audit' }),
  ruleModes,
  ...cacheSettings,
  limits: obj(limitFields),
  // Profiles override the injection settings only; limits and mode are not per-pod choices.
  profiles: {
    type: 'object',
    default: {},
    additionalProperties: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...stripDefaults(cacheSettings),
        // Who may use the profile; neither set means any namespace.
        allowedNamespaces: strList({ items: namespaceName }),
        namespaceSelector: labelSelectorSchema,
      },
    },
  },
  namespaceOverrides,
  // Where pods may opt in by their own label; no default: nowhere (policies/pod-opt-in.ts).
  podOptIn: {
    type: 'object',
    additionalProperties: false,
    properties: { namespaceSelector: labelSelectorSchema },
  },
});

/**
 * A GraphDataPolicy's spec: the same shape without defaults, so a field it does not set
 * inherits the cluster policy's (the apiserver would otherwise fill `mode: Audit` and
 * every injection default into each namespace policy, and layering could not tell them apart).
 */
export const namespacePolicySpecSchema: Schema = stripDefaults(
  withoutProperties(policySpecSchema, CLUSTER_ONLY_FIELDS),
);

/** `schema` without some of its properties: the cluster-only fields. */
function withoutProperties(schema: Schema, keys: readonly string[]): Schema {
  const properties = Object.fromEntries(
    Object.entries(schema.properties as Record<string, Schema>).filter(([k]) => !keys.includes(k)),
  );
  return { ...schema, properties };
}

/** Profiles are partial overrides: the same shape without defaults, so absent means "inherit". */
function stripDefaults<T>(value: T): T {
  const walk = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(walk);
    if (typeof s !== 'object' || s === null) return s;
    return Object.fromEntries(
      Object.entries(s)
        .filter(([k]) => k !== 'default')
        .map(([k, v]) => [k, walk(v)]),
    );
  };
  return walk(value) as T;
}
