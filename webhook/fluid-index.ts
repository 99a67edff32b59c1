// Fluid's AlluxioRuntimes and Datasets, kept current by client-node informers, for Fluid
// mode (`cache: fluid`): the webhook asks for the runtime a pod names, synchronously and
// without I/O. A cluster without Fluid's CRDs is normal: the list fails with 404, the
// informer tries again later, and every lookup finds nothing (pods get a warning).
import * as k8s from '@kubernetes/client-node';
import { type FluidObject, type RuntimeLookup, runtimeInfo } from '../policies/fluid-runtime.js';
import { keepInformerRunning, type WatchOptions } from './restarting-informer.js';

export interface FluidInformer {
  /** The runtime of that name in that namespace, read with the Dataset of the same name. */
  readonly lookup: RuntimeLookup;
  /** Resolves once both first lists have been cached (never, while Fluid is not installed). */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

const GROUP = 'data.fluid.io';
const VERSION = 'v1alpha1';

type FluidResource = FluidObject & k8s.KubernetesObject;

function watchFluid(
  kc: k8s.KubeConfig,
  plural: 'alluxioruntimes' | 'datasets',
  opts: WatchOptions,
): {
  informer: k8s.Informer<FluidResource> & k8s.ObjectCache<FluidResource>;
  synced: Promise<void>;
  stop(): Promise<void>;
} {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const informer = k8s.makeInformer<FluidResource>(
    kc,
    `/apis/${GROUP}/${VERSION}/${plural}`,
    () =>
      api.listClusterCustomObject({ group: GROUP, version: VERSION, plural }) as Promise<
        k8s.KubernetesListObject<FluidResource>
      >,
  );
  // 404 while Fluid is not installed: tried again every 30 s by default.
  return { informer, ...keepInformerRunning(informer, opts, 30_000) };
}

/** Lists and watches AlluxioRuntimes and Datasets in every namespace (needs list/watch on both). */
export function watchFluidRuntimes(kc: k8s.KubeConfig, opts: WatchOptions = {}): FluidInformer {
  const runtimes = watchFluid(kc, 'alluxioruntimes', opts);
  const datasets = watchFluid(kc, 'datasets', opts);
  return {
    lookup: (namespace, name) => {
      const runtime = runtimes.informer.get(name, namespace);
      return runtime ? runtimeInfo(runtime, datasets.informer.get(name, namespace)) : undefined;
    },
    synced: Promise.all([runtimes.synced, datasets.synced]).then(() => undefined),
    stop: async () => {
      await Promise.all([runtimes.stop(), datasets.stop()]);
    },
  };
}
