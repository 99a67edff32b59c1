// Placeholders copied from examples into real manifests: `<ip>:<port>` FE
// addresses, `xxx:xxx` images, example.com hosts. They pass every schema and fail
// only at run time (CrashLoopBackOff, ImagePullBackOff), so they are errors here.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import type { Segments } from '../diagnostics.js';
import {
  FLUID_GROUP,
  groupOf,
  isWorkloadKind,
  type KubeObject,
  type Rule,
  SPARK_GROUP,
  STARROCKS_GROUP,
} from './types.js';
import { walkStrings } from './walk.js';
import { formatImage, parseImage } from '../image-ref.js';

/** How a value marks itself as not filled in; one detector for every style the walkthroughs use. */
type Style = 'angle' | 'x' | 'doc-domain' | 'your' | 'word' | 'shell-var';

const PATTERNS: readonly [Style, RegExp][] = [
  // `<ip>`, `<port>`, `<your-registry>`; no spaces inside, so shell redirections (`<in >out`) do not match.
  ['angle', /<[A-Za-z][\w.:/-]{0,40}>/],
  // `xxx`, `xxx:xxx`, `xxx.xxx.xxx.xxx`, `http://xxx:8030` — x's as a whole host, tag or segment.
  ['x', /(?:^|[\s/:@.=,"'])(?:x{3,}|X{3,})(?=$|[\s/:@.,"'])/],
  // Documentation domains (RFC 2606).
  ['doc-domain', /(?:^|[^\w.-])(?:[\w-]+\.)*example\.(?:com|org|net)(?![\w-])|\.(?:example|invalid)(?=[:/]|$)/i],
  ['your', /(?:^|[^\w])your[-_][\w-]+/i],
  ['word', /^(?:changeme|change-me|replace[-_]?me|todo|tbd|fixme)$/i],
];

// A shell or envsubst variable: `$REGISTRY`, `${VAR}`, `$account`. Kubernetes expands only
// `$(VAR)` (env), which this leaves alone.
const SHELL_VAR = /\$(?:\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)/;
const WHOLE_SHELL_VAR = /^\$(?:\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)$/;

// What one of the patterns above needs (or a short word): one scan rules out most strings
// before the others. Spelt out without the `i` flag, which makes the scan several times slower.
const CANDIDATE = /<|\$|[xX]{3}|[eE][xX][aA][mM][pP][lL][eE]|[iI][nN][vV][aA][lL][iI][dD]|[yY][oO][uU][rR][-_]/;

/**
 * Where a string sits decides what counts: an image or a name can never hold `$`, so a
 * variable anywhere in it was never filled in; any other value only when it is the
 * variable alone (`${VAR}`), since command lines and Spark settings use `$HOME` on purpose.
 */
export type PlaceholderField = 'image' | 'name' | 'value';

export interface Placeholder {
  /** The placeholder text inside the value. */
  text: string;
  style: Style;
}

export function detectPlaceholder(text: string, field: PlaceholderField = 'value'): Placeholder | undefined {
  if (text.length > 10 && !CANDIDATE.test(text)) return undefined;
  for (const [style, re] of PATTERNS) {
    const m = re.exec(text);
    if (m) return { text: m[0].replace(/^[\s/:@.=,"'^]+/, '') || m[0], style };
  }
  const variable = (field === 'value' ? WHOLE_SHELL_VAR : SHELL_VAR).exec(text);
  return variable ? { text: variable[0], style: 'shell-var' } : undefined;
}

/** The placeholder text inside `text`, if any. */
export function findPlaceholder(text: string, field: PlaceholderField = 'value'): string | undefined {
  return detectPlaceholder(text, field)?.text;
}

/** Why no runtime can pull this image reference (the path must be lowercase), if so. */
export function imageReferenceProblem(image: string): { problem: string; fixed: string } | undefined {
  const ref = parseImage(image);
  if (!/[A-Z]/.test(ref.path)) return undefined;
  return {
    problem: `repository ${JSON.stringify(ref.path)} must be lowercase (container runtimes refuse it: InvalidImageName)`,
    fixed: formatImage({ ...ref, path: ref.path.toLowerCase() }),
  };
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
  image: 'replace it with an image your cluster can pull, as [registry/]repository:tag',
  value: 'replace the placeholder with the real value for this cluster',
};

// The legacy ComputeNodeGroup's two images are easy to mix up; say which is which.
const IMAGE_HINTS: Record<string, string> = {
  cnImage: 'set the StarRocks CN image, e.g. starrocks/cn-ubuntu:3.2.2 (a tag your FE version supports)',
  componentsImage:
    "set the operator's components image (CN register sidecar and offline job), built from the operator's components/ directory and pushed to your registry",
};

/** An example image of the object's own workload: a Spark pod is not told about StarRocks. */
function imageExample(obj: KubeObject): string | undefined {
  const group = groupOf(typeof obj.apiVersion === 'string' ? obj.apiVersion : '');
  if (group === STARROCKS_GROUP) return 'starrocks/cn-ubuntu:3.2.2';
  if (group === SPARK_GROUP || JSON.stringify(obj.metadata?.labels ?? {}).includes('spark-role'))
    return 'apache/spark:3.5.1';
  return undefined;
}

const WHAT: Record<Field, string> = { 'fe-address': 'FE address', image: 'image', value: 'value' };

export const placeholderRule: Rule = {
  code: 'placeholder',
  description:
    'placeholder values (<ip>:<port>, xxx:xxx, example.com, your-…, $REGISTRY, REPLACE_ME) and image references no runtime pulls, in StarRocks, Spark and pod manifests',
  appliesTo: (kind, apiVersion) => isWorkloadKind(kind, apiVersion) || groupOf(apiVersion) === FLUID_GROUP,
  check(obj) {
    const out: Diagnostic[] = [];
    let example: string | null | undefined; // worked out at the first image; null: none
    walkStrings(obj, (text, path) => {
      if (path[0] === 'metadata') {
        // Annotations hold notes and tool data, not configuration the workload runs with;
        // name and namespace are the name rule's, which says it once for every kind.
        if (path[1] === 'annotations' || ((path[1] === 'name' || path[1] === 'namespace') && path.length === 2)) return;
      }
      const key = path[path.length - 1];
      const isImage = typeof key === 'string' && /image$/i.test(key);
      const found = detectPlaceholder(text, isImage ? 'image' : 'value');
      // A registry on an example domain may be a real one; an invalid reference is certain.
      const invalid = isImage && (!found || found.style === 'doc-domain') ? imageReferenceProblem(text) : undefined;
      if (invalid) {
        out.push(
          diagnostic(
            'error',
            'image-reference',
            `image ${JSON.stringify(text)} is not a valid reference: ${invalid.problem}`,
            {
              path: joinPath(path),
              hint: `write ${invalid.fixed}`,
            },
          ),
        );
        return;
      }
      if (!found) return;
      const field = isImage ? 'image' : fieldKind(obj, path, text);
      // Once per object, not per image: reading the labels for every image was images × labels.
      if (field === 'image' && example === undefined) example = imageExample(obj) ?? null;
      const shown = field === 'image' ? example : undefined;
      // `${VAR}` alone in a value may be read by the program itself: a template left unrendered, most likely.
      const unrendered = found.style === 'shell-var' && !isImage;
      out.push(
        diagnostic(
          unrendered ? 'warning' : 'error',
          'placeholder',
          `placeholder ${WHAT[field]} ${JSON.stringify(text.length > 60 ? found.text : text)}${unrendered ? ': a template variable nobody filled in (Kubernetes expands only $(VAR))' : ''}`,
          {
            path: joinPath(path),
            hint:
              (typeof key === 'string' && IMAGE_HINTS[key]) ||
              (shown ? `${HINTS[field]} (e.g. ${shown})` : HINTS[field]),
          },
        ),
      );
    });
    return out;
  },
};
