// Loading a policy from disk: the built-in default or a file named with --policy.
// Shared by the webhook's file store and the plugin's offline commands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidPolicyMessage, type Diagnostic } from '../policies/diagnostics.js';
import type { Policy } from '../policies/model.js';
import { packageRoot } from './package-root.js';

export const defaultPolicyPath = (): string => join(packageRoot(), 'policies', 'default-policy.yaml');

/** The built-in policy as `npm run build` validated it, defaults filled (scripts/compile-default-policy.mjs). */
export const compiledDefaultPolicyPath = (): string => join(packageRoot(), 'dist', 'policies', 'default-policy.json');

/**
 * What compile-default-policy.mjs writes: the policy with the YAML text it came from, so
 * freshness is decided by content, not file times (a copy or checkout can make a stale
 * JSON look newer, or a fresh one older).
 */
export const compiledPolicyJson = (source: string, policy: Policy): string => `${JSON.stringify({ source, policy })}\n`;

/**
 * The compiled built-in policy when it was compiled from exactly the YAML there now: lets
 * start-up skip the YAML parser and the schema compiler (most of a CLI command's start-up).
 * Comparing the 1 KB text costs less than hashing it (node:crypto alone is ~1 ms to load).
 */
export function compiledPolicy(compiled: string, yaml: string): Policy | undefined {
  try {
    const { source, policy } = JSON.parse(readFileSync(compiled, 'utf8')) as { source?: unknown; policy?: Policy };
    if (typeof source !== 'string' || !policy || source !== readFileSync(yaml, 'utf8')) return undefined;
    return policy;
  } catch {
    return undefined; // not built yet, or unreadable: parse the YAML instead
  }
}

/** What to do about a PolicyFileError, for the webhook and the plugin alike. */
export const POLICY_FILE_HINT = 'fix the policy file, or omit --policy to use the built-in default';

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(invalidPolicyMessage(file, diagnostics));
  }
}

/** Reads and validates a policy file (default: the built-in one); throws PolicyFileError with every finding when it is unusable. */
export async function loadPolicyFile(file?: string): Promise<Policy> {
  if (file === undefined) {
    const compiled = compiledPolicy(compiledDefaultPolicyPath(), defaultPolicyPath());
    if (compiled) return compiled;
    file = defaultPolicyPath();
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new PolicyFileError(file, [
      { severity: 'error', code: 'policy-unreadable', message: reason, file, hint: 'check the path given to --policy' },
    ]);
  }
  const { parsePolicy } = await import('../policies/policy-loader.js');
  const { policy, diagnostics } = parsePolicy(text, file);
  if (!policy) throw new PolicyFileError(file, diagnostics);
  return policy;
}
