// Building blocks for our resource schemas. Written for graphdata (not copied from
// upstream CRDs): typed where mistakes are common, permissive elsewhere.
// `closed` objects list their fields so a misspelt one gets "did you mean".

export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const bool: Schema = { type: 'boolean' };
export const int = (minimum?: number): Schema => ({ type: 'integer', ...(minimum !== undefined ? { minimum } : {}) });
export const strList: Schema = { type: 'array', items: str };
/** Labels, nodeSelector, sparkConf: values must be strings (unquoted `true`/`19998` are the classic slip). */
export const stringMap: Schema = { type: 'object', additionalProperties: str };
export const enumOf = (...values: string[]): Schema => ({ type: 'string', enum: values });

export const QUANTITY_PATTERN = '^[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?([KMGTPE]i|[numkKMGTPE])?$';
/** Kubernetes quantity: `500m`, `2`, `8Gi`; numbers allowed as YAML writes them. */
export const quantity: Schema = { type: ['string', 'number'], pattern: QUANTITY_PATTERN };
export const quantityMap: Schema = { type: 'object', additionalProperties: quantity };
export const resources: Schema = { type: 'object', properties: { requests: quantityMap, limits: quantityMap } };

/** Only the listed fields; the rest of the nested shape stays open. */
export const closed = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...extra,
});
/** Listed fields typed, everything known by name only: `{}` accepts any value. */
export const known = (names: readonly string[], typed: Record<string, Schema> = {}): Record<string, Schema> =>
  Object.fromEntries(names.map((n) => [n, typed[n] ?? {}]));

export const envVar: Schema = { type: 'object', required: ['name'], properties: { name: str, value: str } };
export const volumeMount: Schema = {
  type: 'object',
  required: ['name', 'mountPath'],
  properties: { name: str, mountPath: str, readOnly: bool, subPath: str },
};
export const volume: Schema = {
  type: 'object',
  required: ['name'],
  properties: { name: str, hostPath: { type: 'object', required: ['path'], properties: { path: str } } },
};
export const pullPolicy = enumOf('Always', 'IfNotPresent', 'Never');

const CONTAINER_FIELDS = [
  'name',
  'image',
  'command',
  'args',
  'workingDir',
  'ports',
  'envFrom',
  'env',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'volumeMounts',
  'volumeDevices',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'imagePullPolicy',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
] as const;

/** core/v1 Container: a closed list, because `volumeMount:` or `imagepullPolicy:` is silently dropped otherwise. */
export const container: Schema = closed(
  known(CONTAINER_FIELDS, {
    name: str,
    image: str,
    command: strList,
    args: strList,
    env: { type: 'array', items: envVar },
    volumeMounts: { type: 'array', items: volumeMount },
    resources,
    imagePullPolicy: pullPolicy,
    ports: {
      type: 'array',
      items: { type: 'object', required: ['containerPort'], properties: { containerPort: int(1), name: str } },
    },
  }),
  { required: ['name'] },
);

/** core/v1 PodSpec basics; open, the full field list is long and changes every release. */
export const podSpec: Schema = {
  type: 'object',
  required: ['containers'],
  properties: {
    containers: { type: 'array', minItems: 1, items: container },
    initContainers: { type: 'array', items: container },
    volumes: { type: 'array', items: volume },
    nodeSelector: stringMap,
    restartPolicy: enumOf('Always', 'OnFailure', 'Never'),
    serviceAccountName: str,
    imagePullSecrets: { type: 'array', items: { type: 'object', properties: { name: str } } },
  },
};

/** HPA v2 behavior and metrics (also the shape StarRocks copies into hpaPolicy). */
export const hpaMetric: Schema = {
  type: 'object',
  required: ['type'],
  properties: { type: enumOf('Resource', 'Pods', 'Object', 'External', 'ContainerResource') },
};
