// Names the apiserver would reject: `kubectl apply` fails on them, so validate says
// so first, at the field, with the spelling that would pass.
import { diagnostic, type Diagnostic } from '../diagnostics.js';
import { nameFormatFor, nameProblem, suggestName, type NameFormat } from '../object-names.js';
import { findPlaceholder } from './placeholders.js';
import type { Rule } from './types.js';

function check(path: string, what: string, value: unknown, format: NameFormat): Diagnostic[] {
  if (typeof value !== 'string' || value === '') return [];
  // `<your-namespace>`, `$NAMESPACE`: one finding that says what it is, not also why the name is invalid.
  const placeholder = findPlaceholder(value, 'name');
  if (placeholder)
    return [
      diagnostic('error', 'placeholder', `placeholder ${what} ${JSON.stringify(value)}`, {
        path,
        hint: `replace ${JSON.stringify(placeholder)} with the real ${what.replace(/^.* name$/, 'name')} before applying`,
      }),
    ];
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
