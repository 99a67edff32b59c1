// The admission worker process that admission-pool.ts forks: admission-worker.ts's handler
// on the IPC channel with the bodies from the body pipe, and the `ready` message the pool
// waits for.
import { Socket } from 'node:net';
import { admissionWorker, withBodies } from './admission-worker.js';
import { BODY_FD, type FromWorker } from './worker-protocol.js';

const send = (message: FromWorker) => process.send!(message);
process.on('message', withBodies(new Socket({ fd: BODY_FD, readable: true, writable: false }), admissionWorker(send)));
// The webhook is gone (its channel closed): nothing will ask for this worker again.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
