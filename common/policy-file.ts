// Loading a policy from disk: the built-in default or a file named with --policy.
// Shared by the webhook's file store and the plugin's offline commands.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { invalidPolicyMessage, type Diagnostic } from '../policies/diagnostics.js';
import type { Policy } from '../policies/model.js';
import { packageRoot } from './package-root.js';

export const defaultPolicyPath = (): string => join(packageRoot(), 'policies', 'default-policy.yaml');

/** The built-in policy as `npm run build` validated it, defaults filled (scripts/compile-default-policy.mjs). */
export const compiledDefaultPolicyPath = (): string => join(packageRoot(), 'dist', 'policies', 'default-policy.json');

/**
 * The compiled built-in policy, when it is at least as new as the YAML: lets start-up
 * skip the YAML parser and the schema compiler (most of a CLI command's start-up).
 */
function compiledDefaultPolicy(): Policy | undefined {
  try {
    const compiled = compiledDefaultPolicyPath();
    if (statSync(compiled).mtimeMs < statSync(defaultPolicyPath()).mtimeMs) return undefined;
    return JSON.parse(readFileSync(compiled, 'utf8')) as Policy;
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
    const compiled = compiledDefaultPolicy();
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
