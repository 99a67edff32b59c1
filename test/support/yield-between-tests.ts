// Each test starts on a fresh turn of the event loop. Vitest runs a file's tests one after
// another without going back to it, so a file of synchronous tests (spawnSync of the plugin
// or of kubectl) held its worker for their sum: 35 s for bundle-cache.test.ts, and past
// vitest's 60 s for answering a worker's task updates while the e2e clusters loaded the
// machine. Every later file on that worker was then reported skipped, and `npm test` failed
// with "Timeout calling onTaskUpdate".
import { beforeEach } from 'vitest';

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
