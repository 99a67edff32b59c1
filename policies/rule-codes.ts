// The codes a policy may give a mode of its own (`spec.ruleModes`). Kept apart from the
// rules so the policy schema does not load them; a unit test checks it against RULES.
import type { EnforcementMode, PolicySpec } from './model.js';

/** The safety net: a workload pod that should have been injected and was not. */
export const NOT_INJECTED = 'not-injected';

export const RULE_CODES = [
  'object-identity',
  'schema',
  'api-not-served',
  'invalid-name',
  'placeholder',
  'min-replicas-above-max',
  'removed-api',
  'socket-path-mismatch',
  'executor-off-cache-nodes',
  'client-jar-version',
  'fluid-fixed-port',
  'volume-missing',
  'core-limit-below-cores',
  'spark-image-missing',
  'request-above-limit',
  'registry-not-allowed',
  'hostpath-not-allowed',
  'alluxio-path-not-allowed',
  'resources-required',
  'executor-cores-over-limit',
  'executor-memory-over-limit',
  'cn-replicas-over-limit',
  NOT_INJECTED,
] as const;

/** A rule's mode under a policy: its own entry in `ruleModes`, else the policy's `mode`; the safety net defaults to Enforce. */
export function ruleMode(spec: Pick<PolicySpec, 'mode' | 'ruleModes'>, code: string): EnforcementMode {
  const own = spec.ruleModes && Object.hasOwn(spec.ruleModes, code) ? spec.ruleModes[code] : undefined;
  return own ?? (code === NOT_INJECTED ? 'Enforce' : spec.mode);
}
