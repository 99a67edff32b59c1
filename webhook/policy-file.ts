// Loading a policy from disk: the built-in default or a file named with --policy.
// Shared by the webhook's file store and the plugin's offline commands.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, type Diagnostic } from '../policies/diagnostics.js';
import type { Policy } from '../policies/model.js';
import { parsePolicy } from '../policies/policy-loader.js';

/** The folder holding package.json, found from this module whether it runs from source or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('graphdata: cannot find package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const defaultPolicyPath = (): string => join(packageRoot(), 'policies', 'default-policy.yaml');

export class PolicyFileError extends Error {
  constructor(
    readonly file: string,
    readonly diagnostics: Diagnostic[],
  ) {
    super(`policy ${file} is invalid:\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`);
  }
}

/** Reads and validates a policy file; throws PolicyFileError with every finding when it is unusable. */
export function loadPolicyFile(file: string = defaultPolicyPath()): Policy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new PolicyFileError(file, [{ severity: 'error', code: 'policy-unreadable', message: reason, file, hint: 'check the path given to --policy' }]);
  }
  const { policy, diagnostics } = parsePolicy(text, file);
  if (!policy) throw new PolicyFileError(file, diagnostics);
  return policy;
}
