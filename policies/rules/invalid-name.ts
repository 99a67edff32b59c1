// Names the apiserver would reject: `kubectl apply` fails on them, so validate says
// so first, at the field, with the spelling that would pass.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { nameFormatFor, nameProblem, suggestName, type NameFormat } from '../object-names.js';
import type { Rule } from './types.js';

function check(path: string, what: string, value: unknown, format: NameFormat): Diagnostic[] {
  if (typeof value !== 'string' || value === '') return [];
  const problem = nameProblem(value, format);
  if (!problem) return [];
  const fixed = suggestName(value, format);
  return [
    diagnostic('error', 'invalid-name', `${what} ${JSON.stringify(value)} ${problem}`, {
      path,
      hint: fixed ? `rename it, e.g. ${fixed}` : 'rename it: Kubernetes rejects the object as it is',
    }),
  ];
}

export const nameRule: Rule = {
  code: 'invalid-name',
  description: 'metadata.name and metadata.namespace are names the apiserver accepts',
  appliesTo: () => true,
  check(obj) {
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    const meta = obj.metadata;
    if (!meta || typeof meta !== 'object') return [];
    return [
      ...check('metadata.name', `${kind || 'object'} name`, meta.name, nameFormatFor(kind, apiVersion)),
      ...check('metadata.namespace', 'namespace', meta.namespace, 'dns1123-label'),
    ];
  },
};
