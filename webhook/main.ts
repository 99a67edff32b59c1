// `npm start`: the webhook on https://127.0.0.1:8443 with the built-in default policy
// (or --policy FILE), and either generated development certificates or supplied ones.
// The flags are parsed here (start-flags.ts); a process that serves then loads serve.ts,
// while the primary of several serving processes (serving-processes.ts) loads neither the
// server nor the engine: its memory is the reserve memory-budget.ts plans for it.
import cluster from 'node:cluster';
import { runPrimary } from './serving-processes.js';
import { type Flags, parseFlags, StartFailure } from './start-flags.js';
import { WebhookLog } from './start-log.js';

/**
 * More than one serving process: this one starts them and serves nothing itself. Development
 * certificates are made here first, so the processes do not race to write them.
 */
async function startPrimary(flags: Flags, log: WebhookLog): Promise<number> {
  if ('devDir' in flags.mode) {
    // Loaded here only: a primary serving supplied or self-managed certificates holds no PKI code.
    const [{ ensureDevCerts }, { localSans }] = await Promise.all([
      import('../certs/store.js'),
      import('../certs/pki.js'),
    ]);
    await ensureDevCerts(flags.mode.devDir, { sans: localSans, commonName: 'graphdata-webhook' });
  }
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
    // Only a process that serves loads the server, the engine and the cluster clients.
    await (await import('./serve.js')).serve(flags, log);
    return -1; // keep running
  } catch (error) {
    if (!(error instanceof StartFailure)) throw error;
    process.stderr.write(error.text);
    return error.code;
  }
}

const code = await main();
if (code >= 0) process.exit(code);
