// The pool's `worker` option for tests that need a failing admission worker: the built
// test entry admission-worker-hooks.js (see it for the faults a uid can ask for).
import { join } from 'node:path';
import { packageRoot } from '../../common/package-root.js';
import type { WorkerEntry } from '../../webhook/admission-pool.js';

/** `gate`: the file whose existence ends a `wait` fault. Needs `npm run build`, as the real worker does. */
export const hookedWorker = (gate?: string): WorkerEntry => ({
  file: join(packageRoot(), 'dist', 'test', 'support', 'admission-worker-hooks.js'),
  args: gate ? [gate] : [],
});
