// Tests only: the admission worker with faults on request, to check that the webhook
// survives them. It runs the real worker (webhook/admission-worker.ts) and acts between it
// and the pool: a review with uid `worker-test:<fault>[:<stage>]` fails that way when the
// worker has parsed it (stage `parsed`, when it asks for the context) or when the context
// arrives (stage `context`, the default). `throw` is the error the worker catches and
// reports; the others end the worker or stall it. Started by the pool through
// `hookedWorker()` (worker-hooks.ts); its first argument is the gate file of `wait`.
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { admissionWorker, withBodies } from '../../webhook/admission-worker.js';
import { BODY_FD, type FromWorker } from '../../webhook/worker-protocol.js';

const gate = process.argv[2];
const PREFIX = 'worker-test:';

/** The fault a uid asks for at `stage`, if any. */
function faultAt(uid: string | undefined, stage: 'parsed' | 'context'): string | undefined {
  if (!uid?.startsWith(PREFIX)) return undefined;
  const [fault, at = 'context'] = uid.slice(PREFIX.length).split(':');
  return at === stage ? fault : undefined;
}

/** The faults that are not `throw`: each ends the worker, except `wait`, which stalls it. */
function act(fault: string): void {
  if (fault === 'crash') throw new Error('test fault: crash');
  if (fault === 'exit') process.exit(3);
  if (fault === 'hang') for (;;);
  // Busy until the test opens the gate: a slow review, without spending CPU.
  if (fault === 'wait' && gate) {
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    while (!existsSync(gate)) Atomics.wait(sleep, 0, 0, 5);
  }
  if (fault === 'oom') {
    const hoard: string[][] = [];
    for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => `${i}`));
  }
  if (fault === 'oom-array') {
    const hoard = new Array<number>(1e8);
    for (let i = 0; i < hoard.length; i++) hoard[i] = i + 0.5;
  }
}

const thrown = (id: number): FromWorker => ({ type: 'failed', id, error: new Error('test fault: throw') });
const send = (message: FromWorker) => process.send!(message);
/** The uid of the job in the worker, from its `ask`; the job whose answer becomes a `throw`. */
let asked: { id: number; uid: string } | undefined;
let throwing: number | undefined;

const handle = admissionWorker((message) => {
  if (message.type === 'ask') {
    asked = { id: message.id, uid: message.ask.head.uid };
    const fault = faultAt(asked.uid, 'parsed');
    if (fault === 'throw') return send(thrown(message.id));
    if (fault) act(fault);
  } else if (message.type !== 'ready' && message.id === throwing) {
    // The worker answered (and kept the policy it was sent); the review fails instead.
    throwing = undefined;
    return send(thrown(message.id));
  }
  send(message);
});

const withFaults = (message: Parameters<typeof handle>[0]) => {
  if (message.type === 'context' && asked?.id === message.id) {
    const fault = faultAt(asked.uid, 'context');
    if (fault === 'throw') throwing = message.id;
    else if (fault) act(fault);
  }
  handle(message);
};
process.on('message', withBodies(new Socket({ fd: BODY_FD, readable: true, writable: false }), withFaults));
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
