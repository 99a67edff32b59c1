import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Projects: fast pure unit/server tests, reliability, the pure half of the tenant-escape
// suite (test/security/*.test.ts), and end-to-end tests that need the real kube-apiserver
// + etcd started by test/cluster/global-setup.ts (test/e2e and test/security/e2e share it).
// clipanion's ESM build imports a directory (`./platform`), which Node's ESM loader
// refuses; Node itself loads its CommonJS build. Resolve to that build in tests too.
const clipanionCjs = {
  clipanion: fileURLToPath(new URL('./node_modules/clipanion/lib/advanced/index.js', import.meta.url)),
};

export default defineConfig({
  resolve: { alias: clipanionCjs },
  test: {
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
          // Bounded under `npm test`; `npm run test:reliability` runs the full counts.
          name: 'reliability',
          include: ['test/reliability/**/*.test.ts'],
          environment: 'node',
          testTimeout: 600_000,
          hookTimeout: 120_000,
          // One file at a time: each loads the machine on purpose.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
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
          // One fork: the e2e files share one control plane and one webhook port range.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
