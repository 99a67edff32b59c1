// Object and namespace names as the apiserver validates them (k8s.io/apimachinery
// validation: IsDNS1123Subdomain, IsDNS1123Label, IsDNS1035Label, path segments).
// Shared by `scaffold` (its NAME and -n) and the `invalid-name` rule of `validate`.

export type NameFormat = 'dns1123-subdomain' | 'dns1123-label' | 'dns1035-label' | 'path-segment';

const LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL = new RegExp(`^${LABEL}$`);
const DNS1123_SUBDOMAIN = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** The format the apiserver requires of `metadata.name` for a kind. */
export function nameFormatFor(kind: string, apiVersion: string): NameFormat {
  if (kind === 'Namespace' && apiVersion === 'v1') return 'dns1123-label';
  if (kind === 'Service' && apiVersion === 'v1') return 'dns1035-label';
  // RBAC objects take any path segment (`system:controller:foo` is a valid Role name).
  if (apiVersion.startsWith('rbac.authorization.k8s.io/')) return 'path-segment';
  return 'dns1123-subdomain';
}

const RULES: Record<NameFormat, { max: number; test: (n: string) => boolean; says: string }> = {
  'dns1123-subdomain': {
    max: 253,
    test: (n) => DNS1123_SUBDOMAIN.test(n),
    says: 'lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  },
  'dns1123-label': {
    max: 63,
    test: (n) => DNS1123_LABEL.test(n),
    says: 'lower-case letters, digits and "-", starting and ending with a letter or digit',
  },
  'dns1035-label': {
    max: 63,
    test: (n) => DNS1035_LABEL.test(n),
    says: 'lower-case letters, digits and "-", starting with a letter and ending with a letter or digit',
  },
  'path-segment': {
    max: Number.POSITIVE_INFINITY,
    test: (n) => n !== '.' && n !== '..' && !/[/%]/.test(n),
    says: 'anything but "." or "..", without "/" or "%"',
  },
};

/** Why the apiserver would reject `name`, or undefined when it is valid. */
export function nameProblem(name: string, format: NameFormat): string | undefined {
  const rule = RULES[format];
  if (name === '') return 'is empty';
  if (name.length > rule.max) return `is longer than ${rule.max} characters`;
  if (!rule.test(name)) return `must be ${rule.says}`;
  return undefined;
}

/** The nearest valid spelling (`Word_Count` → `word-count`), or undefined when none is obvious. */
export function suggestName(name: string, format: NameFormat): string | undefined {
  const max = Math.min(RULES[format].max, 253);
  const replaced = name.toLowerCase().replace(format === 'dns1123-subdomain' ? /[^a-z0-9.-]+/g : /[^a-z0-9-]+/g, '-');
  let fixed = trimEnds(trimEnds(replaced).slice(0, max));
  if (format === 'dns1035-label') fixed = fixed.replace(/^[^a-z]+/, '');
  return fixed && fixed !== name && nameProblem(fixed, format) === undefined ? fixed : undefined;
}

/**
 * Without the characters that are not [a-z0-9] at either end. A loop, not
 * /[^a-z0-9]+$/: that pattern is tried from every position of a long run of dashes
 * (quadratic: 1.6 s for 40,000).
 */
function trimEnds(s: string): string {
  const alnum = (i: number) => {
    const c = s.charCodeAt(i);
    return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  };
  let start = 0;
  let end = s.length;
  while (start < end && !alnum(start)) start++;
  while (end > start && !alnum(end - 1)) end--;
  return s.slice(start, end);
}
