// The admission worker process that admission-pool.ts forks: admission-worker.ts's handler
// on the IPC channel, and the `ready` message the pool waits for.
import { admissionWorker } from './admission-worker.js';
import type { FromWorker } from './worker-protocol.js';

const send = (message: FromWorker) => process.send!(message);
process.on('message', admissionWorker(send));
// The webhook is gone (its channel closed): nothing will ask for this worker again.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
