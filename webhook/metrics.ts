// Prometheus metrics on a private registry (several servers can live in one test process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What the policy gauges report, read when the metrics are collected. */
export interface PolicyHealth {
  generation: number;
  synced: boolean;
  stale: boolean;
}

export function createMetrics() {
  const registry = new Registry();
  let health: (() => PolicyHealth) | undefined;
  const requests = new Counter({
    name: 'graphdata_admission_requests_total',
    help: 'AdmissionReviews answered, by webhook and outcome (mutate: injected, unchanged; validate: allowed, warned, denied; both: ignored, error, shed (over the memory budget), bad_request)',
    labelNames: ['webhook', 'outcome', 'dry_run'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphdata_admission_duration_seconds',
    help: 'Time to answer an AdmissionReview, from decoded body to response',
    labelNames: ['webhook'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const injections = new Counter({
    name: 'graphdata_injections_total',
    help: 'Mutators that changed a pod, by workload and mutator',
    labelNames: ['workload', 'mutator'] as const,
    registers: [registry],
  });
  const warnings = new Counter({
    name: 'graphdata_warnings_total',
    help: 'Warnings returned to the apiserver, by diagnostic code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  // A timestamp rather than a countdown, like node_exporter's and cert-manager's: alert on
  // `graphdata_certificate_expiry_seconds - time() < 14 * 86400`.
  const certificateExpiry = new Gauge({
    name: 'graphdata_certificate_expiry_seconds',
    help: 'When the serving certificate in use expires, as Unix time in seconds',
    registers: [registry],
    // Several serving processes: the earliest (serving-processes.ts).
    aggregator: 'min',
  });
  const violations = new Counter({
    name: 'graphdata_policy_violations_total',
    help: 'Rule findings at POST /validate, by rule, action (denied: Enforce; warned: Audit or a warning) and kind',
    labelNames: ['rule', 'action', 'kind'] as const,
    registers: [registry],
  });
  const policySnapshotGeneration = new Gauge({
    name: 'graphdata_policy_snapshot_generation',
    help: 'The policy snapshot in use: counts the snapshots compiled since start (1 with a policy file)',
    registers: [registry],
    aggregator: 'max',
    collect() {
      if (health) this.set(health().generation);
    },
  });
  const policyStoreSynced = new Gauge({
    name: 'graphdata_policy_store_synced',
    help: '1 while the policy objects are listed and watched; 0 before the first list or while a watch is broken (the last good snapshot is served)',
    registers: [registry],
    // 0 if any serving process has a broken watch.
    aggregator: 'min',
    collect() {
      const h = health?.();
      if (h) this.set(h.synced && !h.stale ? 1 : 0);
    },
  });
  return {
    registry,
    requests,
    duration,
    injections,
    warnings,
    certificateExpiry,
    violations,
    policySnapshotGeneration,
    policyStoreSynced,
    /** Where the policy gauges read from when collected. */
    reportPolicyHealth(source: () => PolicyHealth): void {
      health = source;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
