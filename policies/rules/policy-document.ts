// graphdata's own policy documents: checked by the loader that `--policy FILE` and
// the webhook use, so `validate` accepts exactly the policies they accept, with the
// same messages.
import { API_VERSION, POLICY_KINDS } from '../model.js';
import { policyFromObject } from '../policy-loader.js';
import type { Rule } from './types.js';

export const policyDocumentRule: Rule = {
  code: 'policy',
  description: 'ClusterGraphDataPolicy / GraphDataPolicy documents: the policy schema, as --policy FILE checks it',
  appliesTo: (kind, apiVersion) => apiVersion === API_VERSION && (POLICY_KINDS as readonly string[]).includes(kind),
  check(obj) {
    // identityRule already reports a missing metadata.name; say it once.
    return policyFromObject(obj).diagnostics.filter((d) => d.code !== 'policy-name' || obj.metadata?.generateName);
  },
};
