// The APIs graphdata knows: for each API group, the versions that are served and
// their kinds. An object of a known group whose version or kind is not here is a
// mistake (`sparkoperator.k8s.io/v1beta1`, `apps/v1 Job`, a Pod in `v2`); an object
// of any other group is simply not checked. Kinds of the operators' CRDs are those of
// their current releases (Spark operator 2.x, StarRocks operator 1.x, Fluid 1.x).
import { closest } from './suggest.js';
import { GROUP, POLICY_KINDS } from './model.js';

type Catalog = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

const HPA = ['HorizontalPodAutoscaler'];

/** group ('' for core) → version → kinds. */
export const KNOWN_APIS: Catalog = {
  '': {
    v1: [
      'Binding',
      'ComponentStatus',
      'ConfigMap',
      'Endpoints',
      'Event',
      'LimitRange',
      'Namespace',
      'Node',
      'PersistentVolume',
      'PersistentVolumeClaim',
      'Pod',
      'PodTemplate',
      'ReplicationController',
      'ResourceQuota',
      'Secret',
      'Service',
      'ServiceAccount',
    ],
  },
  apps: { v1: ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet'] },
  batch: { v1: ['CronJob', 'Job'] },
  autoscaling: { v1: HPA, v2: HPA },
  // Not named by the product, but every Spark and GraphScope scaffold writes a Role and RoleBinding.
  'rbac.authorization.k8s.io': { v1: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'] },
  'sparkoperator.k8s.io': {
    v1beta2: ['ScheduledSparkApplication', 'SparkApplication'],
    v1alpha1: ['SparkCluster', 'SparkConnect'],
  },
  'starrocks.com': { v1: ['StarRocksCluster', 'StarRocksWarehouse'], v1alpha1: ['ComputeNodeGroup'] },
  'data.fluid.io': {
    v1alpha1: [
      'AlluxioRuntime',
      'CacheRuntime',
      'CacheRuntimeClass',
      'DataBackup',
      'DataLoad',
      'DataMigrate',
      'DataProcess',
      'Dataset',
      'DataTable',
      'EACRuntime',
      'EFCRuntime',
      'GooseFSRuntime',
      'JindoRuntime',
      'JuiceFSRuntime',
      'PersistentPodState',
      'ThinRuntime',
      'ThinRuntimeProfile',
      'VineyardRuntime',
    ],
  },
  [GROUP]: { v1alpha1: POLICY_KINDS },
};

const splitApiVersion = (apiVersion: string): { group: string; version: string } => {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
};

const join = (group: string, version: string): string => (group ? `${group}/${version}` : version);

/** `Pod` for `PodList`; a List of a kind is served where the kind is. `List` itself is core v1's. */
function servedKinds(group: string, version: string): readonly string[] | undefined {
  return KNOWN_APIS[group]?.[version];
}

function isServedKind(group: string, version: string, kind: string): boolean {
  const kinds = servedKinds(group, version);
  if (!kinds) return false;
  if (kinds.includes(kind)) return true;
  if (group === '' && version === 'v1' && kind === 'List') return true;
  return kind.endsWith('List') && kinds.includes(kind.slice(0, -'List'.length));
}

/** Every `apiVersion` that serves `kind`, in catalogue order. */
function apiVersionsOf(kind: string): string[] {
  return Object.entries(KNOWN_APIS).flatMap(([group, versions]) =>
    Object.keys(versions)
      .filter((v) => isServedKind(group, v, kind))
      .map((v) => join(group, v)),
  );
}

export type ApiCheck =
  | { status: 'served' }
  /** A group graphdata knows nothing about: not checked. */
  | { status: 'unknown-group'; group: string }
  /** `field`: what to change, the apiVersion (the kind is served elsewhere) or the kind. */
  | { status: 'not-served'; message: string; hint: string; field: 'apiVersion' | 'kind' };

const list = (items: readonly string[]): string => items.join(', ');
const or = (items: readonly string[]): string => items.join(' or ');

/** Is `apiVersion` `kind` something the cluster serves, as far as graphdata knows? */
export function checkApi(apiVersion: string, kind: string): ApiCheck {
  const { group, version } = splitApiVersion(apiVersion);
  const versions = KNOWN_APIS[group];
  if (!versions) return { status: 'unknown-group', group };
  if (isServedKind(group, version, kind)) return { status: 'served' };
  const what = `${apiVersion} ${kind}`;
  const elsewhere = apiVersionsOf(kind);
  const sameGroup = elsewhere.filter((a) => splitApiVersion(a).group === group);
  if (sameGroup.length) {
    // The kind is right, the version is not: say the version, as the group's docs would.
    return {
      status: 'not-served',
      message: `${what} is not served; use ${or(sameGroup.map((a) => splitApiVersion(a).version))}`,
      hint: `set apiVersion: ${sameGroup.at(-1)}`,
      field: 'apiVersion',
    };
  }
  if (elsewhere.length) {
    return {
      status: 'not-served',
      message: `${what} is not served; ${kind} is in ${or(elsewhere)}`,
      hint: `set apiVersion: ${elsewhere[0]}`,
      field: 'apiVersion',
    };
  }
  const kinds = servedKinds(group, version);
  if (kinds) {
    const guess = closest(kind, kinds);
    return {
      status: 'not-served',
      message: `${what} is not served${guess ? `; did you mean ${guess}?` : ''}`,
      hint: `${apiVersion} serves ${list(kinds)}`,
      field: 'kind',
    };
  }
  const served = Object.keys(versions).map((v) => join(group, v));
  return {
    status: 'not-served',
    message: `${what} is not served; ${group || 'the core group'} serves ${or(Object.keys(versions))}`,
    hint: `set apiVersion to one of ${list(served)} and a kind it serves`,
    field: 'apiVersion',
  };
}

/** Known to be served: in a group graphdata knows, with a version and kind that group serves. */
export const isServedApi = (apiVersion: string, kind: string): boolean =>
  checkApi(apiVersion, kind).status === 'served';
