// A huge admission body (a pod with 100k containers: tens of milliseconds to parse and as
// many to inject) is not parsed on the event loop: the body parser hands it on as bytes and
// the route has it parsed and answered in the admission worker (admission-pool.ts), so
// /healthz and other requests keep being answered meanwhile.

/** From this size on, a body is parsed, checked and answered in the admission worker. */
export const LARGE_BODY = 256 * 1024;

/** A large body, unparsed: what the body parser gives the routes instead of JSON. */
export class LargeBody {
  constructor(readonly bytes: Buffer) {}
}
