// The HTTPS admission server: TLS, connection limits, the body parser, the error handler
// and graceful shutdown, around the endpoints routes.ts registers.
import type { ImageVolumeSupport } from '../common/image-volumes.js';
import { X509Certificate } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { RuntimeLookup } from '../policies/fluid-runtime.js';
import { AdmissionPool, type AdmissionPoolOptions } from './admission-pool.js';
import { malformedReason, parseBody } from './body.js';
import { ConnectionGuard } from './connection-guard.js';
import { LARGE_BODY, LargeBody } from './large-body.js';
import { LoadGuard, type LoadGuardOptions } from './load-guard.js';
import { DEFAULT_MEMORY_LIMIT, type MemoryPlan, memoryPlan } from '../common/memory-budget.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { NamespaceIndex } from './namespace-index.js';
import type { PolicyStore } from './policy-store.js';
import { MalformedReview } from './review.js';
import { registerRoutes } from './routes.js';
import { DEFAULT_LIMITS, type ServerLimits } from './server-limits.js';

/**
 * TLS 1.2 offers only forward-secret AEAD suites: ECDHE with AES-GCM or
 * ChaCha20-Poly1305, the ones Go's crypto/tls (the apiserver's client) prefers. The
 * three TLS 1.3 suites are OpenSSL's defaults, listed because `ciphers` sets both.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

const tlsOptions = (pair: { cert: string; key: string }): SecureContextOptions => ({
  cert: pair.cert,
  key: pair.key,
  minVersion: 'TLSv1.2',
  ciphers: TLS_CIPHERS,
  honorCipherOrder: true,
});

export interface ServerOptions {
  tls: { cert: string; key: string };
  policies: PolicyStore;
  /** Namespace labels from an informer; absent when the webhook runs without a cluster. */
  namespaces?: NamespaceIndex;
  /** Fluid mode: AlluxioRuntimes from an informer; absent when the webhook runs without a cluster. */
  runtimes?: RuntimeLookup;
  /** Whether the cluster serves image volumes (found at start); absent without a cluster. */
  imageVolumes?: ImageVolumeSupport;
  metrics?: Metrics;
  /** Under a primary (serving-processes.ts): /metrics answers every serving process's, summed. */
  clusterMetrics?: () => Promise<string>;
  limits?: Partial<ServerLimits>;
  /** fastify logger options; false silences it (tests). */
  logger?: boolean | { level: string };
  /** The admission worker for large bodies (by default from LARGE_BODY bytes on). */
  largeBodies?: Partial<AdmissionPoolOptions>;
  /** How the container's memory limit is shared out (memory-budget.ts); by default the Deployment's 512 MiB. */
  memory?: MemoryPlan;
  /** Tests: the load guard's waits and counts (load-guard.ts). */
  loadGuard?: Partial<Omit<LoadGuardOptions, 'plan' | 'largeBodyBytes'>>;
  /** Found at start (a supplied key others can read, a heap without its limit): served in /version, for `doctor`. */
  warnings?: string[];
}

export interface ShutdownOptions {
  /** Keep serving this long after /readyz turns 503, so endpoints stop sending first. */
  drainMs?: number;
  /** Total bound from the call: connections still open then are closed. */
  timeoutMs?: number;
}

export interface WebhookServer {
  app: FastifyInstance;
  metrics: Metrics;
  /** Swaps the serving certificate for new connections, without a restart. */
  reloadCertificate(pair: { cert: string; key: string }): void;
  /**
   * /readyz turns 503 at once; requests are still served for the drain window; then
   * the listener closes, in-flight requests finish, idle keep-alive connections close.
   * Resolves once every connection is gone, at the latest after `timeoutMs`.
   */
  shutdown(opts?: ShutdownOptions): Promise<{ forced: number }>;
  /** Ends a running drain window early (a second signal). */
  skipDrain(): void;
}

export function buildServer(opts: ServerOptions): WebhookServer {
  const metrics = opts.metrics ?? createMetrics();
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const plan = opts.memory ?? memoryPlan(DEFAULT_MEMORY_LIMIT);
  const app = Fastify({
    https: {
      ...tlsOptions(opts.tls),
      handshakeTimeout: limits.handshakeTimeoutMs,
      // Node checks the header and request deadlines on this interval (default 30 s).
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs, limits.requestTimeoutMs),
      headersTimeout: limits.headersTimeoutMs,
    } as SecureContextOptions,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    logger: opts.logger ?? { level: 'info' },
    // One structured line per admission (written below) instead of two generic ones per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: plan.maxBodyBytes,
    return503OnClosing: false,
  });
  const server = app.server as HttpsServer;
  // Over the cap, the oldest connection that has not begun a request makes room (connection-guard.ts).
  new ConnectionGuard(server, limits.maxConnections ?? plan.maxConnections);
  // Every socket, including ones still in the TLS handshake, so the shutdown bound can end them.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let closing = false;
  let endDrain: (() => void) | undefined;
  const setExpiry = (certPem: string) =>
    metrics.certificateExpiry.set(Date.parse(new X509Certificate(certPem).validTo) / 1000);
  setExpiry(opts.tls.cert);

  const largeBodyBytes = opts.largeBodies?.bytes ?? LARGE_BODY;
  const worker = new AdmissionPool(opts, {
    heap: { maxOldSpaceMb: plan.workerHeapMb, maxSemiSpaceMb: 4 },
    ...opts.largeBodies,
    bytes: largeBodyBytes,
  });
  app.addHook('onClose', () => worker.close());
  // Bodies are admitted into memory before they are read: within the plan, or answered unread.
  const guard = new LoadGuard({ ...opts.loadGuard, plan, largeBodyBytes }, metrics);
  app.addHook('preParsing', guard.preParsing);

  // Our own JSON parser: rejects invalid UTF-8 (JSON.parse would silently replace it)
  // and reports every parse failure as a 400 with the reason.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: plan.maxBodyBytes },
    (request, body, done) => {
      const buffer = body as Buffer;
      // A huge body (a pod with 100k containers) is parsed and answered in the admission
      // worker, off the event loop: /healthz and other requests are answered meanwhile.
      // The load guard has read it already, in its chunks (fastify's `body` is then empty).
      const large = buffer.length === 0 ? guard.takeLargeBody(request) : undefined;
      if (large) {
        done(null, large);
        return;
      }
      if (buffer.length >= largeBodyBytes) {
        done(null, new LargeBody(buffer));
        return;
      }
      try {
        done(null, parseBody(buffer));
      } catch (error) {
        done(Object.assign(new MalformedReview(malformedReason(error)), { statusCode: 400 }), undefined);
      }
    },
  );

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof MalformedReview ? 400 : (error.statusCode ?? 500);
    let reason = error.message;
    if (status === 415) {
      const type = request.headers['content-type'];
      reason = `content-type must be application/json, got ${type ? JSON.stringify(type) : 'none'}`;
    }
    // The route, not the raw URL: /mutate?x=1 is /mutate.
    const route = request.routeOptions.url;
    const webhook = route?.startsWith('/mutate') ? 'mutate' : route?.startsWith('/validate') ? 'validate' : undefined;
    if (webhook) metrics.requests.inc({ webhook, outcome: 'bad_request', dry_run: 'unknown' });
    if (status >= 500) request.log.error({ err: error }, 'unexpected error');
    else request.log.warn({ reason, status }, 'rejected request');
    // Also a Kubernetes Status, which the apiserver shows as it is instead of "the server
    // responded with the status code 413 but did not return more information".
    void reply.code(status).send({
      error: STATUS_CODES[status] ?? 'Error',
      reason,
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: `graphdata: ${reason}`,
      code: status,
    });
  });

  registerRoutes(app, {
    policies: opts.policies,
    metrics,
    ...(opts.namespaces ? { namespaces: opts.namespaces } : {}),
    ...(opts.runtimes ? { runtimes: opts.runtimes } : {}),
    ...(opts.imageVolumes ? { imageVolumes: opts.imageVolumes.supported, imageVolumeSupport: opts.imageVolumes } : {}),
    worker,
    guard,
    ...(opts.warnings ? { warnings: opts.warnings } : {}),
    isClosing: () => closing,
    ...(opts.clusterMetrics ? { clusterMetrics: opts.clusterMetrics } : {}),
  });

  return {
    app,
    metrics,
    reloadCertificate(pair) {
      server.setSecureContext(tlsOptions(pair));
      setExpiry(pair.cert);
    },
    skipDrain: () => endDrain?.(),
    async shutdown({ drainMs = 0, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      closing = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, Math.min(drainMs, timeoutMs)));
        endDrain = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      // fastify now answers with `Connection: close`, closes idle keep-alive
      // connections and stops accepting; close() resolves when in-flight requests end.
      let forced = 0;
      const bound = setTimeout(
        () => {
          forced = sockets.size;
          for (const socket of sockets) socket.destroy();
        },
        Math.max(0, deadline - Date.now()),
      );
      await app.close();
      clearTimeout(bound);
      return { forced };
    },
  };
}
