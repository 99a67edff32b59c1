// Where pods live inside manifests: a Pod itself, the template of a workload
// controller, a CronJob's job template, or items of a List. Shared by `inject`,
// `explain` and the rules, so every one of them recognises the same shapes.
import { isServedApi } from './api-catalog.js';
import { isList, POD_TEMPLATE_KINDS, type Pod } from './k8s.js';

export interface PodSite {
  /** Path of the pod-like object inside the document (empty for a Pod). */
  path: (string | number)[];
  pod: Pod;
  /** Human name: `Deployment/web (pod template)`. */
  label: string;
  /** True for the Pod itself, false for a template inside another object. */
  isPod: boolean;
}

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: any;
  items?: unknown[];
};

export function podSites(doc: unknown, path: (string | number)[] = []): PodSite[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const obj = doc as Obj;
  const name = `${obj.kind}/${obj.metadata?.name ?? '(unnamed)'}`;
  // A Pod in `v2` or a Deployment in `extensions/v1beta1` is no pod the cluster would create.
  if (obj.apiVersion !== undefined && obj.kind && !isServedApi(obj.apiVersion, obj.kind)) return [];
  if (obj.kind === 'Pod') return [{ path, pod: obj as Pod, label: name, isPod: true }];
  if (obj.kind && POD_TEMPLATE_KINDS.has(obj.kind) && obj.spec?.template) {
    return [
      {
        path: [...path, 'spec', 'template'],
        pod: obj.spec.template as Pod,
        label: `${name} (pod template)`,
        isPod: false,
      },
    ];
  }
  if (obj.kind === 'CronJob' && obj.spec?.jobTemplate?.spec?.template) {
    return [
      {
        path: [...path, 'spec', 'jobTemplate', 'spec', 'template'],
        pod: obj.spec.jobTemplate.spec.template as Pod,
        label: `${name} (pod template)`,
        isPod: false,
      },
    ];
  }
  if (isList(obj)) return obj.items.flatMap((item, i) => podSites(item, [...path, 'items', i]));
  return [];
}

/** The namespace a pod will be created in: its own, the owner's, or the command's. */
export function namespaceOf(doc: unknown, site: PodSite, fallback: string): string {
  return site.pod.metadata?.namespace ?? (doc as Obj).metadata?.namespace ?? fallback;
}

/** Replaces the pod-like object at `path` inside `doc` (returns a new document). */
export function replaceAt<T>(doc: T, path: (string | number)[], value: unknown): T {
  if (path.length === 0) return value as T;
  const copy = structuredClone(doc) as any;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = value;
  return copy;
}
