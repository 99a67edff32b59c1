// Small constructors and checks shared by the scaffold builders.
import { UserError } from '../cli/base.js';
import type { Manifest } from './types.js';

export const meta = (name: string, namespace?: string, labels?: Record<string, string>): Manifest['metadata'] => ({
  name,
  ...(namespace ? { namespace } : {}),
  ...(labels && Object.keys(labels).length ? { labels } : {}),
});

export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** ServiceAccount + Role + RoleBinding granting `rules` in `namespace`. */
export function namespacedRbac(opts: {
  serviceAccount: string;
  role: string;
  namespace: string;
  rules: RbacRule[];
  createServiceAccount: boolean;
}): Manifest[] {
  const { serviceAccount, role, namespace, rules } = opts;
  return [
    ...(opts.createServiceAccount
      ? [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(serviceAccount, namespace) }]
      : []),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(role, namespace), rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(role, namespace),
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    },
  ];
}

/** Verbs a controller needs to run and clean up what it creates. */
export const MANAGE_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

// --- flag checks: a bad value is a usage mistake (exit 2), said with the flag's name ---

const usage = (message: string, hint: string): UserError => new UserError(message, hint, 2);

/** Kubernetes quantity (`4Gi`, `500m`, `2`). */
export function quantity(flag: string, value: string): string {
  if (!/^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$/.test(value)) {
    throw usage(
      `${flag} ${JSON.stringify(value)} is not a Kubernetes quantity`,
      `write it like 4Gi, 512Mi or 2 (cpu: 500m)`,
    );
  }
  return value;
}

/** JVM-style size as Spark takes it (`512m`, `4g`). */
export function sparkMemory(flag: string, value: string): string {
  if (!/^\d+[kmgt]?$/i.test(value))
    throw usage(`${flag} ${JSON.stringify(value)} is not a Spark memory size`, 'write it like 512m or 4g');
  return value;
}

/** `HOST:PORT`, never a placeholder such as `<ip>:<port>` or `xxx:xxx`. */
export function hostPort(flag: string, value: string): string {
  const match = /^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535 || /^x+$/i.test(match[1]!)) {
    throw usage(
      `${flag} ${JSON.stringify(value)} is not HOST:PORT`,
      `give the FE's MySQL query address, e.g. ${flag} kube-starrocks-fe-service.starrocks:9030`,
    );
  }
  return value;
}

/** An image reference with a pinned tag or digest: scaffolds never emit floating images. */
export function pinnedImage(flag: string, value: string): string {
  const lastSegment = value.slice(value.lastIndexOf('/') + 1);
  if (/[<>\s]/.test(value) || /^x+(:x+)?$/i.test(value))
    throw usage(
      `${flag} ${JSON.stringify(value)} is not an image reference`,
      `write it like ${flag} registry.example.com/team/image:1.2.3`,
    );
  if (!value.includes('@') && (!lastSegment.includes(':') || lastSegment.endsWith(':latest'))) {
    throw usage(
      `${flag} ${JSON.stringify(value)} has no pinned tag`,
      `add a version tag (not :latest), e.g. ${value.replace(/:latest$/, '')}:1.2.3`,
    );
  }
  return value;
}

export function required<T>(value: T | undefined, flag: string, hint: string): T {
  if (isMissing(value)) throw usage(`${flag} is required`, hint);
  return value as T;
}

const isMissing = (value: unknown): boolean => value === undefined || (Array.isArray(value) && value.length === 0);

/** Every required flag checked at once: the error names all that are missing, each with its hint. */
export function requireFlags(flags: readonly { value: unknown; flag: string; hint: string }[]): void {
  const missing = flags.filter((f) => isMissing(f.value));
  if (missing.length <= 1) {
    if (missing[0]) throw usage(`${missing[0].flag} is required`, missing[0].hint);
    return;
  }
  throw usage(
    `${missing.map((f) => f.flag).join(' and ')} are required`,
    missing.map((f) => `${f.flag}: ${f.hint}`).join('\n  hint: '),
  );
}
