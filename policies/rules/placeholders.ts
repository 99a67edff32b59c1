// Placeholders copied from examples into real manifests: `<ip>:<port>` FE
// addresses, `xxx:xxx` images, example.com hosts. They pass every schema and fail
// only at run time (CrashLoopBackOff, ImagePullBackOff), so they are errors here.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import type { Segments } from './path.js';
import { FLUID_GROUP, groupOf, isWorkloadKind, type Rule } from './types.js';
import { walkStrings } from './walk.js';

const PATTERNS: readonly RegExp[] = [
  // `<ip>`, `<port>`, `<your-registry>`; no spaces inside, so shell redirections (`<in >out`) do not match.
  /<[A-Za-z][\w.:/-]{0,40}>/,
  // `xxx`, `xxx:xxx`, `xxx.xxx.xxx.xxx`, `http://xxx:8030` — x's as a whole host, tag or segment.
  /(?:^|[\s/:@.=,"'])(?:x{3,}|X{3,})(?=$|[\s/:@.,"'])/,
  // Documentation domains (RFC 2606).
  /(?:^|[^\w.-])(?:[\w-]+\.)*example\.(?:com|org|net)(?![\w-])|\.(?:example|invalid)(?=[:/]|$)/i,
  /(?:^|[^\w])your[-_][\w-]+/i,
  /^(?:changeme|change-me|replace[-_]?me|todo|tbd|fixme)$/i,
];

/** The placeholder text inside `text`, if any. */
export function findPlaceholder(text: string): string | undefined {
  for (const re of PATTERNS) {
    const m = re.exec(text);
    if (m) return m[0].replace(/^[\s/:@.=,"'^]+/, '') || m[0];
  }
  return undefined;
}

type Field = 'fe-address' | 'image' | 'value';

function fieldKind(path: Segments, text: string): Field {
  const key = String(path[path.length - 1] ?? '');
  const joined = path.map(String).join('.');
  if (/image$/i.test(key)) return 'image';
  if (/feInfo|fe[-_]?(host|addr|address|service|endpoint)|^FE_/i.test(joined) || /:(9030|8030)\b/.test(text)) return 'fe-address';
  return 'value';
}

const HINTS: Record<Field, string> = {
  'fe-address': 'replace it with the FE query address, host:9030 — e.g. the FE service starrocks-fe-service.<namespace>.svc.cluster.local:9030',
  image: 'replace it with an image your cluster can pull, as repository:tag (e.g. starrocks/cn-ubuntu:3.2.2)',
  value: 'replace the placeholder with the real value for this cluster',
};

const WHAT: Record<Field, string> = { 'fe-address': 'FE address', image: 'image', value: 'value' };

export const placeholderRule: Rule = {
  code: 'placeholder',
  description: 'placeholder values (<ip>:<port>, xxx:xxx, example.com, your-…) left in StarRocks, Spark and pod manifests',
  appliesTo: (kind, apiVersion) => isWorkloadKind(kind, apiVersion) || groupOf(apiVersion) === FLUID_GROUP,
  check(obj) {
    const out: Diagnostic[] = [];
    walkStrings(obj, (text, path) => {
      // Annotations hold notes and tool data, not configuration the workload runs with.
      if (path[0] === 'metadata' && path[1] === 'annotations') return;
      const found = findPlaceholder(text);
      if (!found) return;
      const field = fieldKind(path, text);
      out.push(
        diagnostic('error', 'placeholder', `placeholder ${WHAT[field]} ${JSON.stringify(text.length > 60 ? found : text)}`, {
          path: joinPath(path),
          hint: HINTS[field],
        }),
      );
    });
    return out;
  },
};
