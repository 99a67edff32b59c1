// `npm start`: the webhook on https://127.0.0.1:8443 with the built-in default policy
// (or --policy FILE), and either generated development certificates or supplied ones.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localSans } from '../certs/pki.js';
import {
  CertificateFileError,
  type ServingCert,
  type ServingFiles,
  ensureDevCerts,
  exposedKeyWarning,
  readServingCert,
  servingFiles,
  watchServingCert,
} from '../certs/store.js';
import type { CertPair } from '../certs/pki.js';
import { DEFAULT_NAMESPACE } from '../common/names.js';
import { packageRoot } from '../common/package-root.js';
import { webhookKubeConfig } from './cluster-config.js';
import { POLICY_FILE_HINT, PolicyFileError } from '../common/policy-file.js';
import { type ClusterStoreOptions, filePolicyStore, type PolicyStore, watchPolicies } from './policy-store.js';
import { type SelfManaged, startSelfManaged } from './self-managed.js';
import { DEFAULT_LIMITS, type WebhookServer, buildServer } from './server.js';

const USAGE = `Usage: npm start -- [--port 8443] [--host 127.0.0.1] [--policy FILE] [--kubeconfig FILE] [--log-level info]
                    [--cert-dir DIR | --tls-cert FILE --tls-key FILE | --dev-cert-dir DIR | --self-managed]
                    [--drain 5s] [--shutdown-timeout 20s] [--max-connections ${DEFAULT_LIMITS.maxConnections}]

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

Shutdown: on SIGTERM /readyz answers 503 at once, requests are still served for
--drain, then the listener closes and in-flight requests finish; after
--shutdown-timeout (counted from the signal) remaining connections are closed and the
process exits 0. SIGINT (Ctrl-C) skips the drain; a second signal ends it early.

Examples:
  npm start
  npm start -- --port 18443 --policy my-policy.yaml
  npm start -- --cert-dir /etc/graphdata/tls --host 0.0.0.0`;

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

async function main(): Promise<number> {
  let args;
  let mode;
  let drainMs;
  let shutdownMs;
  let maxConnections;
  let port;
  let checkMs;
  let reloadMs;
  try {
    args = parseArgs({
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
      return 0;
    }
    port = Number(args.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a number from 0 to 65535, got ${args.port}`);
    maxConnections = Number(args['max-connections']);
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new UsageError(`--max-connections must be a positive whole number, got ${args['max-connections']}`);
    drainMs = duration('drain', args.drain ?? '5s');
    shutdownMs = duration('shutdown-timeout', args['shutdown-timeout'] ?? '20s');
    mode = certMode(args);
    checkMs = duration('cert-check-interval', args['cert-check-interval'] ?? '1m');
    reloadMs = duration('reload-interval', args['reload-interval'] ?? '5s');
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }

  let filePolicies;
  try {
    filePolicies = await filePolicyStore(args.policy);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    process.stderr.write(`error: ${error.message}\n  hint: ${POLICY_FILE_HINT}\n`);
    return 1;
  }

  let kubeConfig;
  try {
    kubeConfig = await webhookKubeConfig(args.kubeconfig);
  } catch (error) {
    process.stderr.write(
      `error: cannot load --kubeconfig ${args.kubeconfig}: ${(error as Error).message}\n  hint: pass a readable kubeconfig file, or omit --kubeconfig to run without a cluster\n`,
    );
    return 1;
  }
  // Namespace labels for PodSecurity levels and profile namespaceSelectors; errors are logged once the logger exists.
  let logWatchError: (error: unknown) => void = () => undefined;
  let logFluidError: (error: unknown) => void = () => undefined;
  const namespaces = kubeConfig
    ? (await import('./namespace-index.js')).watchNamespaces(kubeConfig, { onError: (e) => logWatchError(e) })
    : undefined;
  // With a cluster, the policy objects; the file (or built-in) policy is the default while there is no ClusterGraphDataPolicy.
  let policyLog: ClusterStoreOptions['log'] = {
    info: (obj, msg) => process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), ...obj, msg })}\n`),
    warn: (obj, msg) => process.stdout.write(`${JSON.stringify({ level: 40, time: Date.now(), ...obj, msg })}\n`),
  };
  const clusterPolicies = kubeConfig
    ? await watchPolicies(kubeConfig, {
        fallback: filePolicies.snapshot().cluster,
        fallbackSource: filePolicies.source,
        log: { info: (obj, msg) => policyLog.info(obj, msg), warn: (obj, msg) => policyLog.warn(obj, msg) },
        ...(namespaces ? { namespaces } : {}),
      })
    : undefined;
  const policies: PolicyStore = clusterPolicies ?? filePolicies;
  // Fluid mode's AlluxioRuntimes (and Datasets, for the port Fluid picked); a cluster without Fluid only logs.
  const fluid = kubeConfig
    ? (await import('./fluid-index.js')).watchFluidRuntimes(kubeConfig, { onError: (e) => logFluidError(e) })
    : undefined;

  let files: ServingFiles | undefined;
  let cert!: CertPair & Partial<ServingCert>; // set by the self-managed start or read from files below
  let generated: { reasons: string[] } | undefined;
  let managed: SelfManaged | undefined;
  // The server needs its first certificate; until it exists, log JSON lines the way it does.
  let server: WebhookServer | undefined;
  const line = (level: 30 | 40, obj: object, msg: string) =>
    server
      ? server.app.log[level === 40 ? 'warn' : 'info'](obj, msg)
      : process.stdout.write(`${JSON.stringify({ level, time: Date.now(), ...obj, msg })}\n`);
  if ('selfManaged' in mode) {
    if (!kubeConfig) {
      process.stderr.write(
        'error: --self-managed needs a cluster\n  hint: run it in a pod (its service account), or pass --kubeconfig FILE\n',
      );
      return 1;
    }
    managed = await startSelfManaged({
      kc: kubeConfig,
      namespace: args.namespace ?? process.env.POD_NAMESPACE ?? DEFAULT_NAMESPACE,
      extraSans: args['extra-san'] ?? [],
      ...(args['peer-url'] ? { peerUrls: args['peer-url'] } : {}),
      checkIntervalMs: checkMs,
      reloadIntervalMs: reloadMs,
      log: { info: (obj, msg) => line(30, obj, msg), warn: (obj, msg) => line(40, obj, msg) },
      onPair: (pair) => server?.reloadCertificate({ cert: pair.certPem, key: pair.keyPem }),
    });
    cert = managed.initial;
  } else if ('devDir' in mode) {
    const dev = await ensureDevCerts(mode.devDir, { sans: localSans, commonName: 'graphdata-webhook' });
    files = { cert: dev.paths.cert, key: dev.paths.key, ca: dev.paths.caCert };
    if (dev.generated) generated = { reasons: dev.reasons };
  } else files = mode.files;
  if (files) {
    try {
      cert = await readServingCert(files);
    } catch (error) {
      if (!(error instanceof CertificateFileError)) throw error;
      process.stderr.write(
        `error: ${error.message}\n  hint: supplied certificates are served as they are and never rewritten; ` +
          'replace the file, or start without --cert-dir/--tls-cert for development certificates\n',
      );
      return 1;
    }
  }
  const servingFromFiles = files;
  const keyWarning = files ? await exposedKeyWarning(files.key) : undefined;

  server = buildServer({
    tls: { cert: cert.certPem, key: cert.keyPem },
    policies,
    ...(namespaces ? { namespaces } : {}),
    ...(fluid ? { runtimes: fluid.lookup } : {}),
    limits: { maxConnections },
    logger: { level: args['log-level'] ?? 'info' },
    ...(keyWarning ? { warnings: [keyWarning] } : {}),
  });
  const log = server.app.log;
  if (keyWarning) log.warn({ key: files?.key }, keyWarning);
  // Stopping aborts the watches, and an aborted watch reports an error: not worth a warning.
  let stopping = false;
  policyLog = {
    info: (obj, msg) => log.info(obj, msg),
    warn: (obj, msg) => {
      if (!stopping) log.warn(obj, msg);
    },
  };
  logWatchError = (error) => {
    if (stopping) return;
    log.warn({ reason: (error as Error)?.message ?? String(error) }, 'namespace watch failed; retrying');
  };
  let lastFluidError = '';
  logFluidError = (error) => {
    const e = error as { code?: number; message?: string };
    const reason = e?.code === 404 ? 'Fluid CRDs not served (Fluid not installed)' : (e?.message ?? String(error));
    // Said once per reason: without Fluid the informers retry every 30 s, and that is normal.
    if (stopping || reason === lastFluidError) return;
    lastFluidError = reason;
    log.warn({ reason }, 'Fluid runtime watch failed; cache: fluid finds no AlluxioRuntime until it works; retrying');
  };
  if (namespaces) {
    // Serve either way: until the first list arrives, pods are injected as without a cluster.
    const synced = await Promise.race([
      namespaces.synced.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, false).unref()),
    ]);
    if (synced) log.info('namespace labels synced');
    else log.warn('namespace labels not synced after 10 s; injecting without them until they are');
  }
  if (clusterPolicies) {
    // Serve either way; /readyz says "policies not synced" (503) until they are.
    const synced = await Promise.race([
      clusterPolicies.synced.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, 10_000, false).unref()),
    ]);
    if (!synced) log.warn('policy objects not synced after 10 s; not ready until they are');
  }
  if (generated) log.info({ files, reasons: generated.reasons }, 'generated dev certificates');

  const running = server;
  const watcher =
    servingFromFiles &&
    watchServingCert(servingFromFiles, cert as ServingCert, {
      onReload(next) {
        running.reloadCertificate({ cert: next.certPem, key: next.keyPem });
        log.info(
          { file: servingFromFiles.cert, serial: next.serial, notAfter: next.notAfter },
          'reloaded serving certificate',
        );
      },
      onSkip: (reason) => log.warn({ reason }, 'certificate reload skipped; keeping the current one, will retry'),
    });

  const stop = async (signal: string) => {
    if (stopping) {
      running.skipDrain();
      return;
    }
    stopping = true;
    const drain = signal === 'SIGINT' ? 0 : drainMs;
    log.info({ signal, drainMs: drain, shutdownTimeoutMs: shutdownMs }, 'shutting down: not ready, draining');
    // Connections are cut a little before the bound so closing them fits inside it;
    // should the close itself hang, the process still exits at the bound.
    setTimeout(() => process.exit(0), shutdownMs).unref();
    const margin = Math.min(500, shutdownMs / 10);
    // Give up the Lease first, so another replica takes over renewals at once.
    await managed?.stop();
    const { forced } = await running.shutdown({ drainMs: drain, timeoutMs: shutdownMs - margin });
    watcher?.close();
    await namespaces?.stop();
    await clusterPolicies?.stop();
    await fluid?.stop();
    if (forced) log.warn({ connections: forced }, 'closed connections still open at the shutdown timeout');
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  try {
    await running.app.listen({ port, host: args.host ?? '127.0.0.1' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      `error: cannot listen on ${args.host}:${port}: ${code ?? (error as Error).message}\n  hint: ${code === 'EADDRINUSE' ? 'another process uses the port; pass --port' : 'check --host and --port'}\n`,
    );
    return 1;
  }
  log.info(
    {
      url: `https://${args.host}:${(running.app.server.address() as { port: number }).port}`,
      policy: policies.source,
      certificates: 'selfManaged' in mode ? 'self-managed' : 'devDir' in mode ? 'development' : 'supplied',
      ...(files ? { certFile: files.cert, notAfter: cert.notAfter } : {}),
      ...(files && cert.caPem ? { caFile: files.ca } : {}),
    },
    'graphdata webhook serving',
  );
  return -1; // keep running
}

const code = await main();
if (code >= 0) process.exit(code);
