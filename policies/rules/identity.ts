// Every document must say what it is and be nameable; kubectl and the apiserver
// reject it otherwise, and no other rule can tell what to check.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import type { Rule } from './types.js';

export const identityRule: Rule = {
  code: 'object-identity',
  description: 'apiVersion, kind and metadata.name (or generateName) present',
  appliesTo: () => true,
  check(obj) {
    const out: Diagnostic[] = [];
    if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
      out.push(
        diagnostic('error', 'object-identity', 'apiVersion is missing', {
          hint: 'add apiVersion, e.g. v1 for a Pod or sparkoperator.k8s.io/v1beta2 for a SparkApplication',
        }),
      );
    }
    if (typeof obj.kind !== 'string' || obj.kind === '') {
      out.push(
        diagnostic('error', 'object-identity', 'kind is missing', {
          hint: 'add kind, e.g. Pod, SparkApplication or StarRocksCluster',
        }),
      );
    }
    const meta = obj.metadata;
    if (!meta?.name && !meta?.generateName) {
      out.push(
        diagnostic('error', 'object-identity', 'metadata.name is missing', {
          ...(meta ? { path: 'metadata' } : {}),
          hint: 'add metadata.name (or metadata.generateName)',
        }),
      );
    }
    return out;
  },
};
