// `npm start`: the webhook on https://127.0.0.1:8443 with the built-in default policy
// (or --policy FILE), and either generated development certificates or supplied ones.
// main() at the bottom reads as the start's steps, each a function above it.
import type { ImageVolumeSupport } from '../common/image-volumes.js';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { type CertPair, localSans } from '../certs/pki.js';
import {
  CertificateFileError,
  type CertWatcher,
  type ServingCert,
  type ServingFiles,
  ensureDevCerts,
  exposedKeyWarning,
  readServingCert,
  servingFiles,
  watchServingCert,
} from '../certs/store.js';
import { DEFAULT_NAMESPACE } from '../common/cluster-names.js';
import { packageRoot } from '../common/package-root.js';
import { POLICY_FILE_HINT, PolicyFileError } from '../common/policy-file.js';
import { webhookKubeConfig } from './cluster-config.js';
import type { FluidInformer } from './fluid-index.js';
import type { NamespaceInformer } from './namespace-index.js';
import { type ClusterPolicyStore, filePolicyStore, type PolicyStore, watchPolicies } from './policy-store.js';
import { type SelfManaged, startSelfManaged } from './self-managed.js';
import { DEFAULT_LIMITS, type WebhookServer, buildServer } from './server.js';
import {
  type MemoryPlan,
  MemoryLimitError,
  parseCpuLimit,
  parseMemoryLimit,
  ServingProcessesError,
  servingProcesses,
} from '../common/memory-budget.js';
import { createMetrics } from './metrics.js';
import { tuneGarbageCollection } from './gc-tuning.js';
import { WORKER_NICE } from './admission-pool.js';
import { clusterMetricsSource, processIndex, reportServing, runPrimary } from './serving-processes.js';
import cluster from 'node:cluster';
import { hostname } from 'node:os';

const USAGE = `Usage: npm start -- [--port 8443] [--host 127.0.0.1] [--policy FILE] [--kubeconfig FILE] [--log-level info]
                    [--cert-dir DIR | --tls-cert FILE --tls-key FILE | --dev-cert-dir DIR | --self-managed]
                    [--drain 5s] [--shutdown-timeout 20s] [--max-connections ${DEFAULT_LIMITS.maxConnections}]
                    [--memory-limit 512Mi] [--processes auto]

Serves the graphdata admission webhook over HTTPS:
  POST /mutate   AdmissionReview admission.k8s.io/v1 (pods, CREATE)
  POST /validate AdmissionReview admission.k8s.io/v1 (enforcement, graphdata policies)
  GET  /healthz  /readyz  /metrics  /version

Certificates, one of three modes:
  development  (no certificate flags) a dev CA and a serving certificate for localhost
               and 127.0.0.1 are generated in certs/dev (git-ignored), or in
               --dev-cert-dir DIR, and reused while valid.
  supplied     --cert-dir DIR (tls.crt, tls.key, optional ca.crt: a mounted
               kubernetes.io/tls Secret) or --tls-cert FILE --tls-key FILE: served as
               they are and never written to; a missing, mismatched or expired file
               stops the start with the file and the reason.
  self-managed --self-managed [--namespace NS]: how \`kubectl graphdata install\` runs it in
               the cluster (or with --kubeconfig). The pair comes from the Secret
               graphdata-webhook-tls through the API and is loaded only once the caBundle
               of every webhook configuration trusts it; the replica holding the Lease
               graphdata-webhook-leader renews the certificates before expiry, caBundle
               first. --peer-url URL (repeatable) names the replicas when they are not pods
               of the Deployment; --extra-san NAME adds names to renewed certificates.
Changed files or Secrets are served to new connections without a restart.

Cluster: with --kubeconfig FILE, or inside a cluster (its service account), namespaces
are watched (list, watch) for their labels: PodSecurity levels and profile
namespaceSelectors. ClusterGraphDataPolicy and GraphDataPolicy objects are watched too
and each change applies to the next request, without a restart; the webhook writes their
status (Ready, Invalid). While no ClusterGraphDataPolicy exists, the built-in policy (or
--policy FILE) is the cluster policy. /readyz answers 503 until the policies are listed;
if a watch breaks later, the last good policies keep being served (stale in /readyz and
graphdata_policy_store_synced 0). Fluid's AlluxioRuntimes and Datasets are watched
for cache: fluid. Without a cluster, pods are injected from the policy alone.

Memory: --memory-limit (else GRAPHDATA_MEMORY_LIMIT, which the Deployment sets from its
container's limits.memory; else 512Mi) is shared out between the admission worker's heap
and the review bodies held in flight; reviews beyond it wait or are answered unread
(/mutate admits unchanged with a warning, /validate denies with 429: retry).

Processes: --processes auto (the default) serves from one process per whole CPU of
GRAPHDATA_CPU_LIMIT (millicores; the Deployment sets it from limits.cpu), as many as the memory
limit gives each a full share (2 need about 1.1 GiB), and from one without a CPU limit;
--processes N asks for N. With more than one, a primary hands connections to them,
replaces one that dies and sums their /metrics; each has its own share of the memory.

Shutdown: on SIGTERM /readyz answers 503 at once, requests are still served for
--drain, then the listener closes and in-flight requests finish; after
--shutdown-timeout (counted from the signal) remaining connections are closed and the
process exits 0. SIGINT (Ctrl-C) skips the drain; a second signal ends it early.

Examples:
  npm start
  npm start -- --port 18443 --policy my-policy.yaml
  npm start -- --cert-dir /etc/graphdata/tls --host 0.0.0.0
  npm start -- --processes 2 --memory-limit 1100Mi`;

class UsageError extends Error {}

/** "5s", "500ms", "1m" or plain seconds, as in Kubernetes flags. */
function duration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${flag} must be a duration like 5s, 500ms or 1m, got ${JSON.stringify(text)}`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1_000);
}

function certMode(
  args: Record<string, string | boolean | string[] | undefined>,
): { files: ServingFiles } | { devDir: string } | { selfManaged: true } {
  const str = (name: string) => args[name] as string | undefined;
  const [certDir, tlsCert, tlsKey, devDir] = [str('cert-dir'), str('tls-cert'), str('tls-key'), str('dev-cert-dir')];
  if (args['self-managed']) {
    if ((certDir ?? tlsCert ?? tlsKey ?? devDir) !== undefined)
      throw new UsageError('--self-managed reads its certificates from the cluster; drop the certificate file flags');
    return { selfManaged: true };
  }
  if (devDir !== undefined && (certDir ?? tlsCert ?? tlsKey) !== undefined)
    throw new UsageError('--dev-cert-dir generates certificates; it cannot be combined with supplied ones');
  if (certDir !== undefined && (tlsCert ?? tlsKey) !== undefined)
    throw new UsageError('give either --cert-dir or --tls-cert/--tls-key, not both');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (certDir !== undefined) return { files: servingFiles(certDir) };
  if (tlsCert !== undefined && tlsKey !== undefined) return { files: { cert: tlsCert, key: tlsKey } };
  return { devDir: devDir ?? join(packageRoot(), 'certs', 'dev') };
}

/** What the flags say, checked. */
interface Flags {
  port: number;
  host: string;
  policyFile?: string;
  kubeconfig?: string;
  logLevel: string;
  mode: ReturnType<typeof certMode>;
  drainMs: number;
  shutdownMs: number;
  maxConnections: number;
  /** --memory-limit or GRAPHDATA_MEMORY_LIMIT, shared out (memory-budget.ts): one serving process's plan. */
  memory: MemoryPlan;
  /** Serving processes (serving-processes.ts), and why that many. */
  processes: number;
  processesReason: string;
  /** Self-managed mode. */
  namespace?: string;
  peerUrls?: string[];
  extraSans: string[];
  checkMs: number;
  reloadMs: number;
}

/** Start stops here: `text` goes to stderr and the process exits with `code`. */
class StartFailure extends Error {
  constructor(
    readonly text: string,
    readonly code = 1,
  ) {
    super(text);
  }
}

/**
 * The webhook's log: until the server (and its logger) exists, JSON lines on stdout as
 * that logger writes them; then the server's logger.
 */
class WebhookLog {
  private logger: WebhookServer['app']['log'] | undefined;
  /** Set at shutdown: stopping aborts the watches, and an aborted watch reports an error not worth a warning. */
  stopping = false;

  attach(logger: WebhookServer['app']['log']): void {
    this.logger = logger;
  }
  get attached(): boolean {
    return this.logger !== undefined;
  }
  info(obj: object, msg: string): void {
    if (this.logger) this.logger.info(obj, msg);
    else this.line(30, obj, msg);
  }
  warn(obj: object, msg: string): void {
    if (this.logger) this.logger.warn(obj, msg);
    else this.line(40, obj, msg);
  }
  private line(level: 30 | 40, obj: object, msg: string): void {
    process.stdout.write(`${JSON.stringify({ level, time: Date.now(), ...obj, msg })}\n`);
  }
}

/** The flags, checked; undefined after --help. Usage errors stop the start with code 2. */
function parseFlags(): Flags | undefined {
  try {
    const args = parseArgs({
      options: {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '127.0.0.1' },
        'cert-dir': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'dev-cert-dir': { type: 'string' },
        policy: { type: 'string' },
        kubeconfig: { type: 'string' },
        drain: { type: 'string', default: '5s' },
        'shutdown-timeout': { type: 'string', default: '20s' },
        'max-connections': { type: 'string', default: String(DEFAULT_LIMITS.maxConnections) },
        'memory-limit': { type: 'string' },
        processes: { type: 'string', default: 'auto' },
        'log-level': { type: 'string', default: 'info' },
        'self-managed': { type: 'boolean', default: false },
        namespace: { type: 'string' },
        'peer-url': { type: 'string', multiple: true },
        'extra-san': { type: 'string', multiple: true },
        'cert-check-interval': { type: 'string', default: '1m' },
        'reload-interval': { type: 'string', default: '5s' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return undefined;
    }
    const port = Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a number from 0 to 65535, got ${args.port}`);
    const maxConnections = Number(args['max-connections']);
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new UsageError(`--max-connections must be a positive whole number, got ${args['max-connections']}`);
    const drainMs = duration('drain', args.drain ?? '5s');
    const shutdownMs = duration('shutdown-timeout', args['shutdown-timeout'] ?? '20s');
    const mode = certMode(args);
    const limit = args['memory-limit'] ?? process.env.GRAPHDATA_MEMORY_LIMIT;
    let serving: ReturnType<typeof servingProcesses>;
    try {
      const limitBytes = parseMemoryLimit(
        limit,
        args['memory-limit'] !== undefined ? '--memory-limit' : 'GRAPHDATA_MEMORY_LIMIT',
      );
      serving = servingProcesses(args.processes ?? 'auto', parseCpuLimit(process.env.GRAPHDATA_CPU_LIMIT), limitBytes);
    } catch (error) {
      if (error instanceof MemoryLimitError || error instanceof ServingProcessesError)
        throw new UsageError(error.message);
      throw error;
    }
    return {
      port,
      host: args.host ?? '127.0.0.1',
      ...(args.policy !== undefined ? { policyFile: args.policy } : {}),
      ...(args.kubeconfig !== undefined ? { kubeconfig: args.kubeconfig } : {}),
      logLevel: args['log-level'] ?? 'info',
      mode,
      drainMs,
      shutdownMs,
      maxConnections,
      memory: serving.memory,
      processes: serving.count,
      processesReason: serving.reason,
      ...(args.namespace !== undefined ? { namespace: args.namespace } : {}),
      ...(args['peer-url'] ? { peerUrls: args['peer-url'] } : {}),
      extraSans: args['extra-san'] ?? [],
      checkMs: duration('cert-check-interval', args['cert-check-interval'] ?? '1m'),
      reloadMs: duration('reload-interval', args['reload-interval'] ?? '5s'),
    };
  } catch (error) {
    throw new StartFailure(`error: ${(error as Error).message}\n\n${USAGE}\n`, 2);
  }
}

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
  const server = buildServer({
    tls: { cert: certs.first.certPem, key: certs.first.keyPem },
    policies,
    metrics,
    ...(clusterMetrics ? { clusterMetrics } : {}),
    ...(watches.namespaces ? { namespaces: watches.namespaces } : {}),
    ...(watches.fluid ? { runtimes: watches.fluid.lookup } : {}),
    ...(watches.imageVolumes ? { imageVolumes: watches.imageVolumes } : {}),
    limits: { maxConnections: flags.maxConnections },
    memory: flags.memory,
    largeBodies: { niceBelow: WORKER_NICE },
    logger: { level: flags.logLevel },
    ...(certs.keyWarning ? { warnings: [certs.keyWarning] } : {}),
  });
  if (certs.keyWarning) server.app.log.warn({ key: certs.files?.key }, certs.keyWarning);
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
      },
    },
    'graphdata webhook serving',
  );
}

/**
 * More than one serving process: this one starts them and serves nothing itself. Development
 * certificates are made here first, so the processes do not race to write them.
 */
async function startPrimary(flags: Flags, log: WebhookLog): Promise<number> {
  if ('devDir' in flags.mode)
    await ensureDevCerts(flags.mode.devDir, { sans: localSans, commonName: 'graphdata-webhook' });
  log.info(
    {
      processes: flags.processes,
      reason: flags.processesReason,
      memoryPerProcessMiB: Math.round(flags.memory.limitBytes / 1048576),
    },
    'starting serving processes',
  );
  return runPrimary(flags.processes, flags.shutdownMs, log);
}

/** Starts the webhook; the exit code on failure or --help, -1 once it is serving. */
async function main(): Promise<number> {
  try {
    const flags = parseFlags();
    if (!flags) return 0;
    const log = new WebhookLog();
    if (flags.processes > 1 && cluster.isPrimary) return await startPrimary(flags, log);
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
    if (certs.generated)
      log.info({ files: certs.files, reasons: certs.generated.reasons }, 'generated dev certificates');
    const certWatcher = watchCertificateFiles(certs, server, log);
    handleSignals(flags, server, watches, certs, certWatcher, log);
    await listen(flags, server);
    logServing(flags, server, policies, certs);
    reportServing();
    return -1; // keep running
  } catch (error) {
    if (!(error instanceof StartFailure)) throw error;
    process.stderr.write(error.text);
    return error.code;
  }
}

const code = await main();
if (code >= 0) process.exit(code);
