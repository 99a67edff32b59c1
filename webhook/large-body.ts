// A huge admission body (a pod with 100k containers: tens of milliseconds to parse and
// as many to inject) is handled in steps, each in its own turn of the event loop, so
// /healthz and other requests are answered in between instead of waiting for all of it.

/** From this size on, parsing a body and answering it run in separate turns of the event loop. */
export const LARGE_BODY = 256 * 1024;

/** Requests whose body was large: marked by the body parser, read by the routes. */
export const largeBodies = new WeakSet<object>();

/** Lets the event loop serve other sockets before a large body's next step (nothing for the rest). */
export const yieldForLargeBody = (request: object): Promise<void> | undefined =>
  largeBodies.has(request) ? new Promise((resolve) => setImmediate(resolve)) : undefined;
