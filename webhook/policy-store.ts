// Where the webhook gets its policy. Today: one file read at start (or the built-in
// default). The CRD-backed store will implement the same interface.
import type { Policy } from '../policies/model.js';
import { loadPolicyFile } from '../common/policy-file.js';

export interface PolicyStore {
  current(): Policy;
  /** Describes the source for logs and /readyz. */
  readonly source: string;
}

export async function filePolicyStore(file?: string): Promise<PolicyStore> {
  const policy = await loadPolicyFile(file);
  return { current: () => policy, source: file ?? 'built-in default policy' };
}

export const staticPolicyStore = (policy: Policy): PolicyStore => ({
  current: () => policy,
  source: 'in-memory policy',
});
