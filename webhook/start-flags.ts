// The webhook's command line: its usage text and the flags, checked. Loaded by the primary
// process too, so it names no module that loads fastify, the engine or the PKI.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type ServingFiles, servingFiles } from '../certs/cert-paths.js';
import {
  DEFAULT_MEMORY_LIMIT,
  type MemoryPlan,
  MemoryLimitError,
  memoryPlan,
  parseCpuLimit,
  parseMemoryLimit,
  ServingProcessesError,
  servingProcesses,
} from '../common/memory-budget.js';
import { packageRoot } from '../common/package-root.js';

const USAGE = `Usage: npm start -- [--port 8443] [--host 127.0.0.1] [--policy FILE] [--kubeconfig FILE] [--log-level info]
                    [--cert-dir DIR | --tls-cert FILE --tls-key FILE | --dev-cert-dir DIR | --self-managed]
                    [--drain 5s] [--shutdown-timeout 20s] [--max-connections auto]
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
container's limits.memory; else 512Mi) is shared out between the connections, the admission
worker's heap and the review bodies held in flight; reviews beyond it wait or are answered
unread (/mutate admits unchanged with a warning, /validate denies with 429: retry).
--max-connections auto gives as many connection slots as the limit holds with a 32 MiB body
limit, 32 to 1,024 (${memoryPlan(DEFAULT_MEMORY_LIMIT).maxConnections} at 512Mi); a number asks for that many, and the rest shrinks.

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
export interface Flags {
  port: number;
  host: string;
  policyFile?: string;
  kubeconfig?: string;
  logLevel: string;
  mode: ReturnType<typeof certMode>;
  drainMs: number;
  shutdownMs: number;
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
export class StartFailure extends Error {
  constructor(
    readonly text: string,
    readonly code = 1,
  ) {
    super(text);
  }
}

/** The flags, checked; undefined after --help. Usage errors stop the start with code 2. */
export function parseFlags(): Flags | undefined {
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
        'max-connections': { type: 'string', default: 'auto' },
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
    const connectionsFlag = args['max-connections'] ?? 'auto';
    const maxConnections = connectionsFlag === 'auto' ? undefined : Number(connectionsFlag);
    if (maxConnections !== undefined && (!Number.isInteger(maxConnections) || maxConnections < 1))
      throw new UsageError(`--max-connections must be auto or a positive whole number, got ${connectionsFlag}`);
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
      serving = servingProcesses(
        args.processes ?? 'auto',
        parseCpuLimit(process.env.GRAPHDATA_CPU_LIMIT),
        limitBytes,
        maxConnections,
      );
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
