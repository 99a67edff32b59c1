import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { e2eWorkers } from './test/cluster/e2e-workers.js';

// Projects: fast pure unit/server tests, reliability, the pure half of the tenant-escape
// suite (test/security/*.test.ts), and end-to-end tests that need the real kube-apiserver
// + etcd started by test/cluster/global-setup.ts (test/e2e and test/security/e2e share them).
//
// Scheduling. vitest runs a pool's single-fork files only after its parallel files, and
// its forks pool defaults to cores - 1 workers (one, on two cores), so with every project
// on `forks` the suite ran file after file. Now e2e has the `threads` pool to itself and
// runs beside unit and security in `forks` (two workers), on one control plane per thread:
// its time is mostly spent waiting on the apiserver and child processes. Reliability
// loads the machine on purpose, so it runs alone: `npm run test:slow` (CI runs it after
// `npm test`), and last when a bare `vitest run` runs every project (sequence.groupOrder 1).
// clipanion's ESM build imports a directory (`./platform`), which Node's ESM loader
// refuses; Node itself loads its CommonJS build. Resolve to that build in tests too.
const clipanionCjs = {
  clipanion: fileURLToPath(new URL('./node_modules/clipanion/lib/advanced/index.js', import.meta.url)),
};

export default defineConfig({
  resolve: { alias: clipanionCjs },
  test: {
    // Every project: a worker goes back to its event loop between tests (the file says why).
    setupFiles: ['test/support/yield-between-tests.ts'],
    // Read by the one forks pool and the one threads pool all projects share (a project's
    // own poolOptions cannot size them): two forks for unit and security, and one thread per
    // e2e control plane (test/cluster/e2e-workers.ts). Not isolated: a worker loads the
    // modules once for all its files (isolated, loading them again per file cost 110 s of
    // CPU per run). So a file that changes shared state (a module's, process.env) puts it
    // back in afterAll, as a file that spawns processes stops them.
    poolOptions: {
      forks: { maxForks: 2, minForks: 1, isolate: false },
      threads: { maxThreads: e2eWorkers(), minThreads: 1, isolate: false },
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // RSA key generation and child processes take seconds on a busy two-core machine.
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Tenant escapes decided by the pure core; their control-plane cases are in e2e.
          name: 'security',
          include: ['test/security/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // Bounded under `npm run test:slow`; `npm run test:reliability` runs the full counts.
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 120_000,
          // One file at a time, after every other project: each loads the machine on purpose,
          // and its latency bounds hold only on a machine it has to itself.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/security/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Its own pool, so that it runs beside the forks; a control plane per thread.
          pool: 'threads',
        },
      },
    ],
  },
});
