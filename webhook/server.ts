// The HTTPS admission server: POST /mutate, /healthz, /readyz, /metrics.
import type { Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ENGINE_VERSION } from '../policies/version.js';
import { MalformedReview, mutate, parseReview, reviewResponse } from './admission.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { PolicyStore } from './policy-store.js';

/** The apiserver caps request bodies near 3 MiB; anything bigger is not from it. */
export const BODY_LIMIT = 3 * 1024 * 1024;

export interface ServerOptions {
  tls: { cert: string; key: string };
  policies: PolicyStore;
  metrics?: Metrics;
  /** fastify logger options; false silences it (tests). */
  logger?: boolean | { level: string };
}

export interface WebhookServer {
  app: FastifyInstance;
  metrics: Metrics;
  /** Swaps the serving certificate for new connections, without a restart. */
  reloadCertificate(pair: { cert: string; key: string }): void;
  /** Marks the server not ready (so /readyz fails first), then closes after in-flight requests finish. */
  shutdown(): Promise<void>;
}

export function buildServer(opts: ServerOptions): WebhookServer {
  const metrics = opts.metrics ?? createMetrics();
  const app = Fastify({
    https: { cert: opts.tls.cert, key: opts.tls.key, minVersion: 'TLSv1.2' },
    logger: opts.logger ?? { level: 'info' },
    // One structured line per admission (written below) instead of two generic ones per request.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    return503OnClosing: false,
  });
  let closing = false;

  // Our own JSON parser: rejects invalid UTF-8 (JSON.parse would silently replace it)
  // and reports every parse failure as a 400 with the reason.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body as Buffer);
      done(null, JSON.parse(text));
    } catch (error) {
      const reason =
        error instanceof TypeError ? 'body is not valid UTF-8' : `body is not valid JSON: ${(error as Error).message}`;
      done(Object.assign(new MalformedReview(reason), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error instanceof MalformedReview ? 400 : (error.statusCode ?? 500);
    if (request.url === '/mutate')
      metrics.requests.inc({ webhook: 'mutate', outcome: 'bad_request', dry_run: 'unknown' });
    if (status >= 500) request.log.error({ err: error }, 'unexpected error');
    else request.log.warn({ reason: error.message, status }, 'rejected request');
    void reply
      .code(status)
      .send({ error: status === 413 ? 'Payload Too Large' : 'Bad Request', reason: error.message });
  });

  app.post('/mutate', async (request, reply) => {
    const started = process.hrtime.bigint();
    const admission = parseReview(request.body);
    const policy = opts.policies.current();
    const result = mutate(admission, policy);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    metrics.duration.observe({ webhook: 'mutate' }, seconds);
    metrics.requests.inc({ webhook: 'mutate', outcome: result.outcome, dry_run: String(Boolean(admission.dryRun)) });
    const injection = result.injection;
    if (injection?.status === 'injected' && injection.workload) {
      for (const mutator of new Set(injection.actions.filter((a) => a.outcome === 'applied').map((a) => a.mutator))) {
        metrics.injections.inc({ workload: injection.workload, mutator });
      }
    }
    for (const d of injection?.diagnostics ?? []) metrics.warnings.inc({ code: d.code });
    const log = {
      uid: admission.uid,
      namespace: admission.namespace,
      name:
        admission.name ??
        (admission.object as { metadata?: { generateName?: string } } | undefined)?.metadata?.generateName,
      operation: admission.operation,
      outcome: result.outcome,
      status: injection?.status,
      workload: injection?.workload,
      dryRun: Boolean(admission.dryRun),
      ms: +(seconds * 1000).toFixed(3),
    };
    if (result.error) request.log.error({ ...log, err: result.error }, 'injection failed; admitted unchanged');
    else request.log.info(log, 'admission');
    return reply.send(reviewResponse(result.response));
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  // For `kubectl graphdata version`: which engine and policy answer admissions.
  app.get('/version', async () => ({ version: ENGINE_VERSION, policy: opts.policies.source }));
  app.get('/readyz', async (_req, reply) => {
    if (closing) return reply.code(503).send({ status: 'shutting down' });
    return { status: 'ready', policy: opts.policies.source };
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  return {
    app,
    metrics,
    reloadCertificate: (pair) =>
      (app.server as HttpsServer).setSecureContext({ cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }),
    async shutdown() {
      closing = true;
      await app.close();
    },
  };
}

export type { FastifyBaseLogger };
