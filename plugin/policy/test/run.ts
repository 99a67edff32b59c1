// Runs the expectations of a suite through admission and compares, result by result.
import { containsMismatches, equalMismatches } from '../../../policies/expectations.js';
import type { Diagnostic } from '../../../policies/diagnostics.js';
import { admit, type Operation, type VerdictName } from './admit.js';
import { LABEL_INJECT } from '../../../policies/model.js';
import { OPT_IN_VALUE, podOptInScope } from '../../../policies/pod-opt-in.js';
import { type Expectation, namespaceLabelsFor, type Suite } from './suite.js';

export interface ResultReport {
  resource: string;
  /** The namespace it was admitted in; absent for a cluster-scoped object. */
  namespace?: string;
  policy: string;
  operation: Operation;
  /** What the suite expects, in words: `deny "registry-not-allowed", injected`. */
  expected: string;
  /** What admission did; `webhooks` are those the apiserver would call (only /validate at UPDATE). */
  actual: { verdict: VerdictName; denial?: string; warnings: string[]; webhooks: string[] };
  passed: boolean;
  /** Why it failed, one line each; empty when it passed. */
  mismatches: string[];
}

export interface SuiteReport {
  file: string;
  name: string;
  /** A malformed suite: these errors, and no results. */
  diagnostics: Diagnostic[];
  /** Warnings about its policies (one that refuses what it injects); the results still count. */
  warnings: Diagnostic[];
  results: ResultReport[];
}

function describeExpected(e: Expectation): string {
  const parts = [
    ...(e.verdict ? [`${e.verdict}${e.message ? ` ${JSON.stringify(e.message)}` : ''}`] : []),
    ...(e.injected ? ['injected'] : []),
    ...(e.patched ? ['patchedResource'] : []),
  ];
  return (
    `${parts.join(', ')}${e.mutatingWebhookDown ? ' (mutating webhook down)' : ''}` +
    (e.operation === 'UPDATE' ? ` at UPDATE${e.subresource ? ` of ${e.subresource}` : ''} from ${e.oldResource}` : '')
  );
}

/** Mismatches are capped per result: the first ones say what is wrong, hundreds would bury it. */
const MAX_MISMATCHES = 8;

export function runExpectation(e: Expectation, suite: Pick<Suite, 'namespaceLabels' | 'runtimes'>): ResultReport {
  const namespaceLabels = namespaceLabelsFor(e.namespace, suite.namespaceLabels);
  // A namespace that is not opted in: only the pod-level entries serve it.
  const optedIn = e.clusterScoped || namespaceLabels[LABEL_INJECT] === OPT_IN_VALUE;
  const admission = admit(e.object, e.policy, {
    namespace: e.namespace,
    namespaceLabels,
    ...(optedIn ? {} : { podOptIn: podOptInScope(e.clusterPolicy, e.namespace, namespaceLabels) }),
    ...(suite.runtimes ? { runtimes: suite.runtimes } : {}),
    mutatingWebhookDown: e.mutatingWebhookDown,
    operation: e.operation,
    ...(e.oldObject ? { oldObject: e.oldObject } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
  });
  const mismatches: string[] = [];
  if (e.verdict && e.verdict !== admission.verdict) {
    const why =
      admission.verdict === 'deny'
        ? `: ${admission.denial?.split('\n')[0]}`
        : admission.warnings.length
          ? `: ${admission.warnings[0]}`
          : '';
    mismatches.push(`verdict: expected ${e.verdict}, got ${admission.verdict}${why}`);
  } else if (e.message) {
    const texts = e.verdict === 'deny' ? [admission.denial ?? ''] : admission.warnings;
    if (!texts.some((t) => t.includes(e.message!)))
      mismatches.push(
        `message: no ${e.verdict === 'deny' ? 'denial' : 'warning'} contains ${JSON.stringify(e.message)}` +
          (texts.length ? ` (got: ${texts.map((t) => t.split('\n')[0]).join(' | ')})` : ''),
      );
  }
  if (e.injected) mismatches.push(...containsMismatches(e.injected, admission.patched).map((m) => `injected: ${m}`));
  if (e.patched)
    mismatches.push(...equalMismatches(e.patched.value, admission.patched).map((m) => `patchedResource: ${m}`));
  const shown =
    mismatches.length > MAX_MISMATCHES
      ? [...mismatches.slice(0, MAX_MISMATCHES - 1), `… ${mismatches.length - MAX_MISMATCHES + 1} more`]
      : mismatches;
  return {
    resource: e.resource,
    ...(e.clusterScoped ? {} : { namespace: e.namespace }),
    policy: e.policyName,
    operation: e.operation,
    expected: describeExpected(e),
    actual: {
      verdict: admission.verdict,
      ...(admission.denial !== undefined ? { denial: admission.denial } : {}),
      warnings: admission.warnings,
      webhooks: admission.webhooks,
    },
    passed: mismatches.length === 0,
    mismatches: shown,
  };
}

export function runSuite(suite: Suite): SuiteReport {
  return {
    file: suite.file,
    name: suite.name,
    diagnostics: suite.diagnostics,
    warnings: suite.warnings,
    results: suite.diagnostics.length ? [] : suite.expectations.map((e) => runExpectation(e, suite)),
  };
}
