// `npm start`: the webhook on https://127.0.0.1:8443 with generated dev certs and the
// built-in default policy (or --policy FILE).
import { watch } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localSans } from '../certs/pki.js';
import { ensureDevCerts, loadCertPair } from '../certs/store.js';
import { packageRoot } from '../common/package-root.js';
import { POLICY_FILE_HINT, PolicyFileError } from '../common/policy-file.js';
import { filePolicyStore } from './policy-store.js';
import { buildServer } from './server.js';

const USAGE = `Usage: npm start -- [--port 8443] [--host 127.0.0.1] [--cert-dir DIR] [--policy FILE] [--log-level info]

Serves the graphdata admission webhook over HTTPS:
  POST /mutate   AdmissionReview admission.k8s.io/v1 (pods, CREATE)
  GET  /healthz  /readyz  /metrics

When DIR has no usable certificate, a dev CA and a serving certificate for
localhost and 127.0.0.1 are generated there (default: certs/dev, git-ignored).
Examples:
  npm start
  npm start -- --port 18443 --policy my-policy.yaml`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        port: { type: 'string', default: '8443' },
        host: { type: 'string', default: '127.0.0.1' },
        'cert-dir': { type: 'string' },
        policy: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: --port must be a number from 0 to 65535, got ${args.port}\n`);
    return 2;
  }

  let policies;
  try {
    policies = await filePolicyStore(args.policy);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    process.stderr.write(`error: ${error.message}\n  hint: ${POLICY_FILE_HINT}\n`);
    return 1;
  }

  const certDir = args['cert-dir'] ?? join(packageRoot(), 'certs', 'dev');
  const certs = await ensureDevCerts(certDir, { sans: localSans, commonName: 'graphdata-webhook' });
  const server = buildServer({
    tls: { cert: certs.certPem, key: certs.keyPem },
    policies,
    logger: { level: args['log-level'] ?? 'info' },
  });
  const log = server.app.log;
  if (certs.generated)
    log.info({ certDir, reasons: certs.reasons, caFile: certs.paths.caCert }, 'generated dev certificates');

  // Reload the serving pair when its files change (rotation, or a re-mounted Secret).
  const watcher = watch(certDir, { persistent: false }, (_event, file) => {
    if (file !== 'tls.crt' && file !== 'tls.key') return;
    loadCertPair(certDir)
      .then((pair) => {
        server.reloadCertificate({ cert: pair.certPem, key: pair.keyPem });
        log.info({ certDir }, 'reloaded serving certificate');
      })
      .catch((error: Error) =>
        log.warn({ reason: error.message }, 'certificate reload skipped; keeping the current one'),
      );
  });

  const stop = async (signal: string) => {
    log.info({ signal }, 'shutting down: finishing in-flight requests');
    watcher.close();
    await server.shutdown();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  try {
    await server.app.listen({ port, host: args.host ?? '127.0.0.1' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(
      `error: cannot listen on ${args.host}:${port}: ${code ?? (error as Error).message}\n  hint: ${code === 'EADDRINUSE' ? 'another process uses the port; pass --port' : 'check --host and --port'}\n`,
    );
    return 1;
  }
  log.info(
    {
      url: `https://${args.host}:${(server.app.server.address() as { port: number }).port}`,
      policy: policies.source,
      caFile: certs.paths.caCert,
    },
    'graphdata webhook serving',
  );
  return -1; // keep running
}

const code = await main();
if (code >= 0) process.exit(code);
