// Fluid mode (`cache: fluid`): the Alluxio master a pod's client talks to is the one Fluid
// runs for the pod's dataset, read from the AlluxioRuntime of the same name in the pod's
// namespace, never from the policy. Pure: callers hand in the objects they hold.
//
// Where Fluid puts the master (fluid-cloudnative/fluid, pkg/ddc/alluxio): one Service per
// master pod, `<runtime>-master-<i>` in the runtime's namespace. Its RPC port is, in
// Fluid's order of precedence: the property `alluxio.master.rpc.port` of the runtime
// (spec.properties, overridden by spec.master.properties), else spec.master.ports.rpc,
// else 19998 when master and worker both use container networking, else a port Fluid
// picks at random from its range (host networking, the default) and reports only on the
// Dataset, as status.hcfs.endpoint `alluxio://<runtime>-master-0.<ns>:<port>`.
import { ANNOTATION_DATASET } from './model.js';

/** The parts of an AlluxioRuntime (data.fluid.io/v1alpha1) read here; anything may be missing or mistyped. */
export interface FluidObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: unknown;
  status?: unknown;
}

/** What a pod in Fluid mode gets: the master address, or why there is none and what to do. */
export type RuntimeInfo =
  | { ready: true; hostname: string; rpcPort: number; addresses?: string[]; source: string }
  | { ready: false; reason: string; hint: string };

/** The runtime (and its Dataset, when known) of that name in that namespace; undefined when there is none. */
export type RuntimeLookup = (namespace: string, name: string) => RuntimeInfo | undefined;

const RPC_PORT_PROPERTY = 'alluxio.master.rpc.port';
const CONTAINER_NETWORK = 'ContainerNetwork';
/** Fluid's static master RPC port under container networking (generateStaticPorts). */
const STATIC_RPC_PORT = 19998;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

const record = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function port(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/** The master's RPC port as Fluid configures it, and where it comes from; undefined when Fluid picks it at random. */
function configuredPort(spec: Record<string, unknown>): { port: number; source: string } | undefined {
  const master = record(spec.master);
  const fromMaster = port(record(master.properties)[RPC_PORT_PROPERTY]);
  if (fromMaster) return { port: fromMaster, source: `spec.master.properties["${RPC_PORT_PROPERTY}"]` };
  const fromCommon = port(record(spec.properties)[RPC_PORT_PROPERTY]);
  if (fromCommon) return { port: fromCommon, source: `spec.properties["${RPC_PORT_PROPERTY}"]` };
  const pinned = port(record(master.ports).rpc);
  if (pinned) return { port: pinned, source: 'spec.master.ports.rpc' };
  // Fluid allocates host ports when either the master or the worker uses the host network.
  if (master.networkMode === CONTAINER_NETWORK && record(spec.worker).networkMode === CONTAINER_NETWORK)
    return { port: STATIC_RPC_PORT, source: 'container networking (Fluid’s static port)' };
  return undefined;
}

/** The port in the Dataset's status.hcfs.endpoint, if it names this master. */
function reportedPort(dataset: FluidObject | undefined, hostname: string): number | undefined {
  const endpoint = record(record(dataset?.status).hcfs).endpoint;
  if (typeof endpoint !== 'string') return undefined;
  const m = /^alluxio:\/\/([^/:]+):(\d+)\/?$/.exec(endpoint.trim());
  return m && m[1] === hostname ? port(m[2]) : undefined;
}

/**
 * The master of an AlluxioRuntime, for clients in its namespace: `<name>-master-0.<ns>`
 * and the RPC port (all masters as rpc.addresses when it runs several), once
 * status.masterPhase is Ready. `dataset` is the Dataset of the same name, which carries
 * the port Fluid picked when the runtime does not fix one.
 */
export function runtimeInfo(runtime: FluidObject, dataset?: FluidObject): RuntimeInfo {
  const name = runtime.metadata?.name ?? '';
  const namespace = runtime.metadata?.namespace ?? '';
  const what = `AlluxioRuntime ${name} in namespace ${namespace}`;
  const wait = `wait until \`kubectl get alluxioruntime ${name} -n ${namespace}\` shows the master Ready, then create the pod again`;
  const phase = record(runtime.status).masterPhase;
  if (phase !== 'Ready') {
    const now = typeof phase === 'string' && phase ? `status.masterPhase is ${phase}` : 'it reports no masterPhase yet';
    return { ready: false, reason: `${what} is not ready (${now})`, hint: wait };
  }
  const spec = record(runtime.spec);
  const hostname = `${name}-master-0.${namespace}`;
  const configured = configuredPort(spec);
  const reported = configured ? undefined : reportedPort(dataset, hostname);
  const rpcPort = configured?.port ?? reported;
  if (rpcPort === undefined) {
    return {
      ready: false,
      reason: `${what} does not fix its master port, and Fluid has not reported the one it picked (Dataset ${name} status.hcfs.endpoint)`,
      hint: `pin it with spec.master.ports.rpc in the AlluxioRuntime, or ${wait.replace('the master Ready', 'the Dataset bound')}`,
    };
  }
  const replicas = Number(record(spec.master).replicas);
  const count = Number.isInteger(replicas) && replicas > 1 && replicas <= 16 ? replicas : 1;
  return {
    ready: true,
    hostname,
    rpcPort,
    ...(count > 1
      ? { addresses: Array.from({ length: count }, (_, i) => `${name}-master-${i}.${namespace}:${rpcPort}`) }
      : {}),
    source: configured ? `${what}, ${configured.source}` : `Dataset ${name} status.hcfs.endpoint`,
  };
}

/**
 * The master for a pod in Fluid mode. The dataset is named by the pod's annotation, the
 * namespace is the pod's own (from the admission request): an annotation can never point
 * at another tenant's runtime, whatever it says.
 */
export function fluidMasterFor(
  annotations: Readonly<Record<string, string>> | undefined,
  namespace: string | undefined,
  lookup: RuntimeLookup | undefined,
): RuntimeInfo {
  const dataset = annotations?.[ANNOTATION_DATASET];
  if (dataset === undefined) {
    return {
      ready: false,
      reason: `the policy uses Fluid (cache: fluid) and the pod names no dataset, so there is no Alluxio master to point it at`,
      hint: `annotate the pod with ${ANNOTATION_DATASET}: NAME, the Dataset and AlluxioRuntime it reads`,
    };
  }
  if (dataset.length > 63 || !DNS1035_LABEL.test(dataset)) {
    return {
      ready: false,
      reason: `${ANNOTATION_DATASET} ${JSON.stringify(dataset)} is not a Fluid Dataset name (a lowercase DNS-1035 label, in the pod's own namespace)`,
      hint: `set ${ANNOTATION_DATASET} to the name of a Dataset in the pod's namespace`,
    };
  }
  if (!namespace) {
    return {
      ready: false,
      reason: `the pod's namespace is not known, so AlluxioRuntime ${dataset} cannot be looked up`,
      hint: 'give the pod metadata.namespace (or pass -n NAMESPACE)',
    };
  }
  const info = lookup?.(namespace, dataset);
  if (!info) {
    return {
      ready: false,
      reason: `there is no AlluxioRuntime ${dataset} in namespace ${namespace}${lookup ? '' : ' that graphdata can see'}`,
      hint: `create the Dataset and AlluxioRuntime ${dataset} in namespace ${namespace} (kubectl graphdata scaffold dataset ${dataset} -n ${namespace}), or fix the ${ANNOTATION_DATASET} annotation`,
    };
  }
  return info;
}

/** Runtimes and Datasets held in memory (input documents, or an informer's cache), keyed by namespace and name. */
export function runtimeLookupFrom(
  runtimes: Iterable<FluidObject>,
  datasets: Iterable<FluidObject> = [],
  defaultNamespace = 'default',
): RuntimeLookup {
  const key = (o: FluidObject) => `${o.metadata?.namespace ?? defaultNamespace}/${o.metadata?.name ?? ''}`;
  const byKey = new Map<string, FluidObject>();
  for (const r of runtimes) byKey.set(key(r), r);
  const data = new Map<string, FluidObject>();
  for (const d of datasets) data.set(key(d), d);
  return (namespace, name) => {
    const runtime = byKey.get(`${namespace}/${name}`);
    if (!runtime) return undefined;
    const withNamespace = { ...runtime, metadata: { ...runtime.metadata, namespace } };
    return runtimeInfo(withNamespace, data.get(`${namespace}/${name}`));
  };
}

/** Why a pod in Fluid mode gets no client config, as the client-config mutator reports it. */
export interface MasterUnavailable {
  reason: string;
  hint: string;
}

/**
 * The spec a pod gets in Fluid mode: the policy's, with the master of the pod's runtime;
 * or the policy's and why there is no master. Outside Fluid mode, the spec as it is.
 */
export function fluidSpec<S extends { cache: string; alluxio: { master: object } }>(
  spec: S,
  annotations: Readonly<Record<string, string>> | undefined,
  namespace: string | undefined,
  lookup: RuntimeLookup | undefined,
): { spec: S; unavailable?: MasterUnavailable } {
  if (spec.cache !== 'fluid') return { spec };
  const info = fluidMasterFor(annotations, namespace, lookup);
  if (!info.ready) return { spec, unavailable: { reason: info.reason, hint: info.hint } };
  const master = {
    hostname: info.hostname,
    rpcPort: info.rpcPort,
    ...(info.addresses ? { addresses: info.addresses } : {}),
  };
  return { spec: { ...spec, alluxio: { ...spec.alluxio, master } } };
}

const isFluid = (v: unknown, kind: string): v is FluidObject => {
  const o = record(v);
  return o.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('data.fluid.io/');
};

/**
 * The runtimes among parsed documents (Lists included), for the offline commands: what
 * `inject -f pod.yaml -f sales.yaml` can know. Objects without a namespace are in `namespace`.
 */
export function runtimeLookupFromDocuments(values: Iterable<unknown>, namespace = 'default'): RuntimeLookup {
  const runtimes: FluidObject[] = [];
  const datasets: FluidObject[] = [];
  const visit = (v: unknown) => {
    const items = record(v).items;
    if (Array.isArray(items) && typeof record(v).kind === 'string' && String(record(v).kind).endsWith('List')) {
      for (const item of items) visit(item);
    } else if (isFluid(v, 'AlluxioRuntime')) runtimes.push(v);
    else if (isFluid(v, 'Dataset')) datasets.push(v);
  };
  for (const v of values) visit(v);
  return runtimeLookupFrom(runtimes, datasets, namespace);
}
