// `--policy FILE` for the offline commands: the file, or the built-in default.
import { PolicyFileError, loadPolicyFile } from '../common/policy-file.js';
import type { Policy } from '../policies/model.js';
import { formatDiagnostic } from '../policies/diagnostics.js';
import { UserError } from './base.js';

export async function loadPolicyForCli(file: string | undefined): Promise<Policy> {
  try {
    return await loadPolicyFile(file);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    throw new UserError(
      `policy ${error.file} cannot be used:\n${error.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
      'fix the policy file, or omit --policy to use the built-in default',
    );
  }
}
