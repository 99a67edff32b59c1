// A serving process: policies, cluster watches, certificates, the server, signals. serve()
// at the bottom reads as the steps, each a function above it. main.ts loads this module only
// in a process that serves, so a primary of several processes holds none of it.
import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ServingFiles } from '../certs/cert-paths.js';
import { type CertPair, localSans } from '../certs/pki.js';
import {
  CertificateFileError,
  type CertWatcher,
  type ServingCert,
  ensureDevCerts,
  exposedKeyWarning,
  readServingCert,
  watchServingCert,
} from '../certs/store.js';
import { DEFAULT_NAMESPACE } from '../common/cluster-names.js';
import type { ImageVolumeSupport } from '../common/image-volumes.js';
import { POLICY_FILE_HINT, PolicyFileError } from '../common/policy-file.js';
import { WORKER_NICE } from './admission-pool.js';
import { webhookKubeConfig } from './cluster-config.js';
import type { FluidInformer } from './fluid-index.js';
import { mainHeapWarning, tuneGarbageCollection } from './gc-tuning.js';
import { createMetrics } from './metrics.js';
import type { NamespaceInformer } from './namespace-index.js';
import { type ClusterPolicyStore, filePolicyStore, type PolicyStore, watchPolicies } from './policy-store.js';
import { type SelfManaged, startSelfManaged } from './self-managed.js';
import { type WebhookServer, buildServer } from './server.js';
import { clusterMetricsSource, processIndex, reportServing } from './serving-processes.js';
import { type Flags, StartFailure } from './start-flags.js';
import type { WebhookLog } from './start-log.js';

/** The built-in policy, or --policy FILE: the cluster policy while no ClusterGraphDataPolicy exists. */
async function loadFilePolicies(file: string | undefined): Promise<PolicyStore> {
  try {
    return await filePolicyStore(file);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    throw new StartFailure(`error: ${error.message}\n  hint: ${POLICY_FILE_HINT}\n`);
  }
}

/** --kubeconfig, or the pod's service account; undefined runs without a cluster. */
async function loadKubeConfig(file: string | undefined): Promise<KubeConfig | undefined> {
  try {
    return await webhookKubeConfig(file);
  } catch (error) {
    throw new StartFailure(
      `error: cannot load --kubeconfig ${file}: ${(error as Error).message}\n  hint: pass a readable kubeconfig file, or omit --kubeconfig to run without a cluster\n`,
    );
  }
}

/** What the informers keep current; all absent without a cluster. */
interface ClusterWatches {
  /** Namespace labels for PodSecurity levels and profile namespaceSelectors. */
  namespaces?: NamespaceInformer;
  /** The policy objects; the file (or built-in) policy is the default while there is no ClusterGraphDataPolicy. */
  clusterPolicies?: ClusterPolicyStore;
  /** Fluid mode's AlluxioRuntimes (and Datasets, for the port Fluid picked); a cluster without Fluid only logs. */
  fluid?: FluidInformer;
  /**
   * Whether the cluster serves image volumes: found once at start, not watched (the gate
   * changes only with an apiserver restart); without them, alluxio.clientJar.delivery:
   * imageVolume falls back to the init container.
   */
  imageVolumes?: ImageVolumeSupport;
}

/** Starts the informers. Their errors are logged once the server's logger exists, not while stopping. */
async function startWatches(
  kubeConfig: KubeConfig | undefined,
  filePolicies: PolicyStore,
  log: WebhookLog,
): Promise<ClusterWatches> {
  if (!kubeConfig) return {};
  const namespaces = (await import('./namespace-index.js')).watchNamespaces(kubeConfig, {
    onError: (error) => {
      if (!log.attached || log.stopping) return;
      log.warn({ reason: (error as Error)?.message ?? String(error) }, 'namespace watch failed; retrying');
    },
  });
  const clusterPolicies = await watchPolicies(kubeConfig, {
    fallback: filePolicies.snapshot().cluster,
    fallbackSource: filePolicies.source,
    log: {
      info: (obj, msg) => log.info(obj, msg),
      warn: (obj, msg) => {
        if (!log.stopping) log.warn(obj, msg);
      },
    },
    namespaces,
  });
  let lastFluidError = '';
  const fluid = (await import('./fluid-index.js')).watchFluidRuntimes(kubeConfig, {
    onError: (error) => {
      if (!log.attached) return;
      const e = error as { code?: number; message?: string };
      const reason = e?.code === 404 ? 'Fluid CRDs not served (Fluid not installed)' : (e?.message ?? String(error));
      // Said once per reason: without Fluid the informers retry every 30 s, and that is normal.
      if (log.stopping || reason === lastFluidError) return;
      lastFluidError = reason;
      log.warn({ reason }, 'Fluid runtime watch failed; cache: fluid finds no AlluxioRuntime until it works; retrying');
    },
  });
  const imageVolumes = await (await import('../common/image-volumes.js'))
    .imageVolumeSupport(kubeConfig)
    .catch((error: Error) => ({
      supported: false,
      reason: `the server version cannot be read (${error.message}); counted as no image volumes`,
    }));
  return { namespaces, clusterPolicies, fluid, imageVolumes };
}

/** The pair to serve first, and where later ones come from. */
interface Certificates {
  first: CertPair & Partial<ServingCert>;
  /** Development and supplied modes: the files, watched for changes. */
  files?: ServingFiles;
  /** Development mode: why the certificates were generated, when they were. */
  generated?: { reasons: string[] };
  /** Self-managed mode: the loops that renew the pair and hand it to `onPair`. */
  managed?: SelfManaged;
  /** A supplied key others can read. */
  keyWarning?: string;
}

/** The first serving pair, by the mode the flags chose; `onPair` gets each self-managed renewal. */
async function loadCertificates(
  flags: Flags,
  kubeConfig: KubeConfig | undefined,
  log: WebhookLog,
  onPair: (pair: CertPair) => void,
): Promise<Certificates> {
  const { mode } = flags;
  if ('selfManaged' in mode) {
    if (!kubeConfig)
      throw new StartFailure(
        'error: --self-managed needs a cluster\n  hint: run it in a pod (its service account), or pass --kubeconfig FILE\n',
      );
    const managed = await startSelfManaged({
      kc: kubeConfig,
      // Each serving process takes part in the Lease under a name of its own.
      ...(cluster.isWorker
        ? {
            identity: `${process.env.POD_NAME ?? hostname()}/${processIndex()}`,
            // Round-robin is not exact under other traffic: three turns of the cycle per peer.
            connectionsPerPeer: 3 * flags.processes,
          }
        : {}),
      namespace: flags.namespace ?? process.env.POD_NAMESPACE ?? DEFAULT_NAMESPACE,
      extraSans: flags.extraSans,
      ...(flags.peerUrls ? { peerUrls: flags.peerUrls } : {}),
      checkIntervalMs: flags.checkMs,
      reloadIntervalMs: flags.reloadMs,
      log: { info: (obj, msg) => log.info(obj, msg), warn: (obj, msg) => log.warn(obj, msg) },
      onPair,
    });
    return { first: managed.initial, managed };
  }
  let files: ServingFiles;
  let generated: { reasons: string[] } | undefined;
  if ('devDir' in mode) {
    const dev = await ensureDevCerts(mode.devDir, { sans: localSans, commonName: 'graphdata-webhook' });
    files = { cert: dev.paths.cert, key: dev.paths.key, ca: dev.paths.caCert };
    if (dev.generated) generated = { reasons: dev.reasons };
  } else files = mode.files;
  let first: ServingCert;
  try {
    first = await readServingCert(files);
  } catch (error) {
    if (!(error instanceof CertificateFileError)) throw error;
    throw new StartFailure(
      `error: ${error.message}\n  hint: supplied certificates are served as they are and never rewritten; ` +
        'replace the file, or start without --cert-dir/--tls-cert for development certificates\n',
    );
  }
  const keyWarning = await exposedKeyWarning(files.key);
  return { first, files, ...(generated ? { generated } : {}), ...(keyWarning ? { keyWarning } : {}) };
}

/** The server, built (not listening yet); from here on the log is its logger. */
function startServer(
  flags: Flags,
  policies: PolicyStore,
  watches: ClusterWatches,
  certs: Certificates,
  log: WebhookLog,
): WebhookServer {
  const metrics = createMetrics();
  const clusterMetrics = clusterMetricsSource(metrics.registry);
  const heapWarning = mainHeapWarning();
  const warnings = [certs.keyWarning, heapWarning].filter((w) => w !== undefined);
  const server = buildServer({
    tls: { cert: certs.first.certPem, key: certs.first.keyPem },
    policies,
    metrics,
    ...(clusterMetrics ? { clusterMetrics } : {}),
    ...(watches.namespaces ? { namespaces: watches.namespaces } : {}),
    ...(watches.fluid ? { runtimes: watches.fluid.lookup } : {}),
    ...(watches.imageVolumes ? { imageVolumes: watches.imageVolumes } : {}),
    memory: flags.memory,
    largeBodies: { niceBelow: WORKER_NICE },
    logger: { level: flags.logLevel },
    ...(warnings.length ? { warnings } : {}),
  });
  if (certs.keyWarning) server.app.log.warn({ key: certs.files?.key }, certs.keyWarning);
  if (heapWarning)
    server.app.log.warn({ heapLimitMiB: Math.round(getHeapStatistics().heap_size_limit / 1048576) }, heapWarning);
  if (watches.imageVolumes) server.app.log.info(watches.imageVolumes, 'image volumes for the client jar');
  log.attach(server.app.log);
  return server;
}

/** Waits up to 10 s for the first lists; serves either way. */
async function awaitFirstSync(watches: ClusterWatches, log: WebhookLog): Promise<void> {
  const within10s = (synced: Promise<void>) =>
    Promise.race([
      synced.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, false).unref()),
    ]);
  if (watches.namespaces) {
    // Until the first list arrives, pods are injected as without a cluster.
    if (await within10s(watches.namespaces.synced)) log.info({}, 'namespace labels synced');
    else log.warn({}, 'namespace labels not synced after 10 s; injecting without them until they are');
  }
  if (watches.clusterPolicies) {
    // /readyz says "policies not synced" (503) until they are.
    if (!(await within10s(watches.clusterPolicies.synced)))
      log.warn({}, 'policy objects not synced after 10 s; not ready until they are');
  }
}

/** Supplied and development files: changed ones are served to new connections. */
function watchCertificateFiles(certs: Certificates, server: WebhookServer, log: WebhookLog): CertWatcher | undefined {
  const files = certs.files;
  if (!files) return undefined;
  return watchServingCert(files, certs.first as ServingCert, {
    onReload(next) {
      server.reloadCertificate({ cert: next.certPem, key: next.keyPem });
      log.info({ file: files.cert, serial: next.serial, notAfter: next.notAfter }, 'reloaded serving certificate');
    },
    onSkip: (reason) => log.warn({ reason }, 'certificate reload skipped; keeping the current one, will retry'),
  });
}

/**
 * SIGTERM: not ready at once, serve for the drain, close, exit 0 by the shutdown timeout.
 * SIGINT skips the drain; a second signal ends it early.
 */
function handleSignals(
  flags: Flags,
  server: WebhookServer,
  watches: ClusterWatches,
  certs: Certificates,
  certWatcher: CertWatcher | undefined,
  log: WebhookLog,
): void {
  const { drainMs, shutdownMs } = flags;
  const stop = async (signal: string) => {
    if (log.stopping) {
      server.skipDrain();
      return;
    }
    log.stopping = true;
    const drain = signal === 'SIGINT' ? 0 : drainMs;
    log.info({ signal, drainMs: drain, shutdownTimeoutMs: shutdownMs }, 'shutting down: not ready, draining');
    // Connections are cut a little before the bound so closing them fits inside it;
    // should the close itself hang, the process still exits at the bound.
    setTimeout(() => process.exit(0), shutdownMs).unref();
    const margin = Math.min(500, shutdownMs / 10);
    // Give up the Lease first, so another replica takes over renewals at once.
    await certs.managed?.stop();
    const { forced } = await server.shutdown({ drainMs: drain, timeoutMs: shutdownMs - margin });
    certWatcher?.close();
    await watches.namespaces?.stop();
    await watches.clusterPolicies?.stop();
    await watches.fluid?.stop();
    if (forced) log.warn({ connections: forced }, 'closed connections still open at the shutdown timeout');
    log.info({}, 'stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function listen(flags: Flags, server: WebhookServer): Promise<void> {
  try {
    await server.app.listen({ port: flags.port, host: flags.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StartFailure(
      `error: cannot listen on ${flags.host}:${flags.port}: ${code ?? (error as Error).message}\n  hint: ${code === 'EADDRINUSE' ? 'another process uses the port; pass --port' : 'check --host and --port'}\n`,
    );
  }
}

function logServing(flags: Flags, server: WebhookServer, policies: PolicyStore, certs: Certificates): void {
  const { mode } = flags;
  const { files, first } = certs;
  server.app.log.info(
    {
      url: `https://${flags.host}:${(server.app.server.address() as { port: number }).port}`,
      policy: policies.source,
      certificates: 'selfManaged' in mode ? 'self-managed' : 'devDir' in mode ? 'development' : 'supplied',
      ...(files ? { certFile: files.cert, notAfter: first.notAfter } : {}),
      ...(files && first.caPem ? { caFile: files.ca } : {}),
      ...(cluster.isWorker ? { process: processIndex(), processes: flags.processes } : {}),
      memory: {
        limitMiB: Math.round(flags.memory.limitBytes / 1048576),
        workerHeapMiB: flags.memory.workerHeapMb,
        maxBodyMiB: +(flags.memory.maxBodyBytes / 1048576).toFixed(1),
        maxConnections: flags.memory.maxConnections,
      },
    },
    'graphdata webhook serving',
  );
}

/** Serves: the start's steps, in order. Resolves once the server listens. */
export async function serve(flags: Flags, log: WebhookLog): Promise<void> {
  tuneGarbageCollection();
  const filePolicies = await loadFilePolicies(flags.policyFile);
  const kubeConfig = await loadKubeConfig(flags.kubeconfig);
  const watches = await startWatches(kubeConfig, filePolicies, log);
  const policies: PolicyStore = watches.clusterPolicies ?? filePolicies;
  // Self-managed renewals go to the server once it exists.
  const serving: { server?: WebhookServer } = {};
  const certs = await loadCertificates(flags, kubeConfig, log, (pair) =>
    serving.server?.reloadCertificate({ cert: pair.certPem, key: pair.keyPem }),
  );
  const server = startServer(flags, policies, watches, certs, log);
  serving.server = server;
  await awaitFirstSync(watches, log);
  if (certs.generated) log.info({ files: certs.files, reasons: certs.generated.reasons }, 'generated dev certificates');
  const certWatcher = watchCertificateFiles(certs, server, log);
  handleSignals(flags, server, watches, certs, certWatcher, log);
  await listen(flags, server);
  logServing(flags, server, policies, certs);
  reportServing();
}
