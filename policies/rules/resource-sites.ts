// Where requests and limits live: container `resources`, StarRocks component specs
// (`requests`/`limits` beside `image`), the legacy ComputeNodeGroup `podPolicy.resources`.
import type { Segments } from '../diagnostics.js';
import { podViews } from './pod-view.js';
import { STARROCKS_GROUP, groupOf, isObject, type KubeObject } from './types.js';

export interface ResourceSite {
  label: string;
  /** Path of the object holding `requests` and `limits`. */
  path: Segments;
  requests: Record<string, unknown>;
  limits: Record<string, unknown>;
  init: boolean;
}

const STARROCKS_COMPONENTS = ['starRocksFeSpec', 'starRocksBeSpec', 'starRocksCnSpec', 'starRocksFeProxySpec'] as const;
const map = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});

export function resourceSites(obj: KubeObject): ResourceSite[] {
  if (groupOf(obj.apiVersion ?? '') === STARROCKS_GROUP) {
    if (obj.kind === 'ComputeNodeGroup') {
      const r = obj.spec?.podPolicy?.resources;
      return [
        {
          label: 'CN pods',
          path: ['spec', 'podPolicy', 'resources'],
          requests: map(r?.requests),
          limits: map(r?.limits),
          init: false,
        },
      ];
    }
    if (obj.kind === 'StarRocksCluster') {
      return STARROCKS_COMPONENTS.filter((c) => isObject(obj.spec?.[c])).map((c) => ({
        label: c,
        path: ['spec', c],
        requests: map(obj.spec[c].requests),
        limits: map(obj.spec[c].limits),
        init: false,
      }));
    }
    return [];
  }
  return podViews(obj)
    .filter((view) => !view.sparkApplication)
    .flatMap((view) =>
      view.containers.map((c) => ({
        label: c.label,
        path: [...c.path, 'resources'],
        requests: map(c.resources?.requests),
        limits: map(c.resources?.limits),
        init: c.init,
      })),
    );
}
