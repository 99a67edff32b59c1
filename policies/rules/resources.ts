// Requests above limits: the apiserver rejects such pods, and the StarRocks operator
// only finds out when it creates the StatefulSet.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { parseCpu, parseK8sMemory } from './quantity.js';
import { resourceSites } from './resource-sites.js';
import { STARROCKS_GROUP, groupOf, isWorkloadKind, type Rule } from './types.js';

const PARSERS = { cpu: parseCpu, memory: parseK8sMemory } as const;

export const requestAboveLimitRule: Rule = {
  code: 'request-above-limit',
  description:
    'cpu or memory request greater than its limit (containers, StarRocks component specs, ComputeNodeGroup podPolicy)',
  appliesTo: (kind, apiVersion) => isWorkloadKind(kind, apiVersion) || groupOf(apiVersion) === STARROCKS_GROUP,
  check(obj) {
    const out: Diagnostic[] = [];
    for (const site of resourceSites(obj)) {
      for (const [resource, parse] of Object.entries(PARSERS)) {
        const request = parse(site.requests[resource]);
        const limit = parse(site.limits[resource]);
        if (request === undefined || limit === undefined || request <= limit) continue;
        out.push(
          diagnostic(
            'error',
            'request-above-limit',
            `${site.label} requests ${resource} ${String(site.requests[resource])}, more than its limit ${String(site.limits[resource])}`,
            {
              path: joinPath([...site.path, 'requests', resource]),
              hint: `lower requests.${resource} to at most ${String(site.limits[resource])}, or raise limits.${resource}`,
            },
          ),
        );
      }
    }
    return out;
  },
};
