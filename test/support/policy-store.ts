// A webhook policy store over one in-memory policy, as filePolicyStore serves a file: for
// tests that start the server with a policy they built.
import type { Policy } from '../../policies/model.js';
import { staticSnapshot } from '../../policies/policy-set.js';
import type { PolicyStore } from '../../webhook/policy-store.js';

export const staticPolicyStore = (policy: Policy): PolicyStore => {
  const snapshot = staticSnapshot(policy, 'in-memory policy');
  return {
    snapshot: () => snapshot,
    source: 'in-memory policy',
    health: () => ({ synced: true, stale: false, generation: snapshot.generation }),
  };
};
