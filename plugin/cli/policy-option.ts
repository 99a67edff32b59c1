// `--policy FILE` for the offline commands: the file, or the built-in default.
import { POLICY_FILE_HINT, PolicyFileError, loadPolicyFile } from '../../common/policy-file.js';
import type { Policy } from '../../policies/model.js';
import { UserError } from './base.js';

export async function loadPolicyForCli(file: string | undefined): Promise<Policy> {
  try {
    return await loadPolicyFile(file);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    throw new UserError(error.message, POLICY_FILE_HINT);
  }
}
