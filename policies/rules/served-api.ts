// apiVersion and kind that no cluster serves, in the groups graphdata knows: a
// SparkApplication in v1beta1, a Pod in v2, a Job in apps/v1. kubectl would reject
// them ("no matches for kind"), and no other rule would look at them.
import { checkApi } from '../api-catalog.js';
import { diagnostic } from '../diagnostics.js';
import { isRemovedApi } from './autoscaling.js';
import type { Rule } from './types.js';

export const servedApiRule: Rule = {
  code: 'api-not-served',
  description:
    'apiVersion/kind pairs that the groups graphdata knows do not serve (core, apps, batch, autoscaling, rbac, Spark, StarRocks, Fluid, graphdata)',
  appliesTo: (kind, apiVersion) => kind !== '' && apiVersion !== '',
  check(obj) {
    const apiVersion = obj.apiVersion ?? '';
    const kind = obj.kind ?? '';
    // Removed APIs (autoscaling/v2beta2, batch/v1beta1, …) get their own, more specific message.
    if (isRemovedApi(apiVersion, kind)) return [];
    const api = checkApi(apiVersion, kind);
    if (api.status !== 'not-served') return [];
    return [diagnostic('error', 'api-not-served', api.message, { path: api.field, hint: api.hint })];
  },
};
