// Placeholders copied from examples into real manifests: `<ip>:<port>` FE
// addresses, `xxx:xxx` images, example.com hosts. They pass every schema and fail
// only at run time (CrashLoopBackOff, ImagePullBackOff), so they are errors here.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import type { Segments } from '../diagnostics.js';
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

// What one of the patterns above needs (or a short word): one scan rules out most strings
// before the five. Spelt out without the `i` flag, which makes the scan several times slower.
const CANDIDATE = /<|[xX]{3}|[eE][xX][aA][mM][pP][lL][eE]|[iI][nN][vV][aA][lL][iI][dD]|[yY][oO][uU][rR][-_]/;

/** The placeholder text inside `text`, if any. */
export function findPlaceholder(text: string): string | undefined {
  if (text.length > 10 && !CANDIDATE.test(text)) return undefined;
  for (const re of PATTERNS) {
    const m = re.exec(text);
    if (m) return m[0].replace(/^[\s/:@.=,"'^]+/, '') || m[0];
  }
  return undefined;
}

type Field = 'fe-address' | 'image' | 'value';

/** For `env[i].value`, the variable's name says what the value is (FE_SERVICE, FE_ADDR, …). */
function envName(obj: unknown, path: Segments): string {
  if (path[path.length - 1] !== 'value' || path[path.length - 3] !== 'env') return '';
  let node: any = obj;
  for (const key of path.slice(0, -1)) node = node?.[key];
  return typeof node?.name === 'string' ? node.name : '';
}

function fieldKind(obj: unknown, path: Segments, text: string): Field {
  const key = String(path[path.length - 1] ?? '');
  const joined = [...path.map(String), envName(obj, path)].join('.');
  if (/image$/i.test(key)) return 'image';
  if (/feInfo|fe[-_]?(host|addr|address|service|endpoint)|(^|\.)FE_/i.test(joined) || /:(9030|8030)\b/.test(text))
    return 'fe-address';
  return 'value';
}

const HINTS: Record<Field, string> = {
  'fe-address':
    'replace it with the FE query address, host:9030 — e.g. the StarRocksCluster FE service, mycluster-fe-service.starrocks.svc.cluster.local:9030',
  image: 'replace it with an image your cluster can pull, as repository:tag (e.g. starrocks/cn-ubuntu:3.2.2)',
  value: 'replace the placeholder with the real value for this cluster',
};

// The legacy ComputeNodeGroup's two images are easy to mix up; say which is which.
const IMAGE_HINTS: Record<string, string> = {
  cnImage: 'set the StarRocks CN image, e.g. starrocks/cn-ubuntu:3.2.2 (a tag your FE version supports)',
  componentsImage:
    "set the operator's components image (CN register sidecar and offline job), built from the operator's components/ directory and pushed to your registry",
};

const WHAT: Record<Field, string> = { 'fe-address': 'FE address', image: 'image', value: 'value' };

export const placeholderRule: Rule = {
  code: 'placeholder',
  description:
    'placeholder values (<ip>:<port>, xxx:xxx, example.com, your-…) left in StarRocks, Spark and pod manifests',
  appliesTo: (kind, apiVersion) => isWorkloadKind(kind, apiVersion) || groupOf(apiVersion) === FLUID_GROUP,
  check(obj) {
    const out: Diagnostic[] = [];
    walkStrings(obj, (text, path) => {
      // Annotations hold notes and tool data, not configuration the workload runs with.
      if (path[0] === 'metadata' && path[1] === 'annotations') return;
      const found = findPlaceholder(text);
      if (!found) return;
      const field = fieldKind(obj, path, text);
      const key = path[path.length - 1];
      out.push(
        diagnostic(
          'error',
          'placeholder',
          `placeholder ${WHAT[field]} ${JSON.stringify(text.length > 60 ? found : text)}`,
          {
            path: joinPath(path),
            hint: (typeof key === 'string' && IMAGE_HINTS[key]) || HINTS[field],
          },
        ),
      );
    });
    return out;
  },
};
