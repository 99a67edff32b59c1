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

export interface SiteEdit {
  path: readonly (string | number)[];
  value: unknown;
}

/**
 * A copy of `doc` with each edit's value at its path; `doc` itself is left as it was.
 * Only the objects and arrays on the edited paths are copied, each once however many
 * edits pass through it (a List's `items` once for all its pods), so the work is linear
 * in the document's size. `stats.copied` counts the entries copied, for tests.
 */
export function replaceSites<T>(doc: T, edits: readonly SiteEdit[], stats?: { copied: number }): T {
  const copies = new Set<object>();
  const own = (node: any): any => {
    if (copies.has(node)) return node;
    const copy = Array.isArray(node) ? node.slice() : { ...node };
    if (stats) stats.copied += Array.isArray(node) ? node.length : Object.keys(node).length;
    copies.add(copy);
    return copy;
  };
  let root: any = doc;
  for (const { path, value } of edits) {
    if (path.length === 0) {
      root = value;
      continue;
    }
    root = own(root);
    let node = root;
    for (const key of path.slice(0, -1)) {
      const child = own(node[key]);
      node[key] = child;
      node = child;
    }
    node[path[path.length - 1]!] = value;
  }
  return root as T;
}
