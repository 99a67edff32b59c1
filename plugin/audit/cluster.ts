// The reads `audit` makes: raw JSON lists, page by page (client-node's typed models
// rename and drop fields, and /validate sees objects exactly as the apiserver sends them).
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { VALIDATED_RESOURCES } from '../webhook-objects/registration.js';
import type { ListPage, PageFetcher } from './paging.js';

/** An answer other than 2xx: status and the apiserver's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson(kc: KubeConfig, path: string): Promise<unknown> {
  const server = kc.getCurrentCluster()?.server ?? '';
  const opts: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await kc.applyToHTTPSOptions(opts);
  // Appended, not resolved: a server URL with a path prefix (a proxy) keeps it, as in kubectl.
  const url = new URL(`${server.replace(/\/$/, '')}${path}`);
  const get = url.protocol === 'http:' ? http.get : https.get;
  return new Promise((resolve, reject) => {
    const req = get(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300 && body !== undefined) return resolve(body);
        const message = (body as { message?: string } | undefined)?.message ?? (text.trim() || `HTTP ${status}`);
        reject(new ApiError(status, `${message} (${status})`));
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`no answer from ${server} within 60s`)));
    req.on('error', reject);
  });
}

export interface Resource {
  group: string;
  version: string;
  resource: string;
  kind: string;
}

/** What /validate checks, at the version its rules read: pods and the custom resources. */
export const AUDITED_RESOURCES: readonly Resource[] = VALIDATED_RESOURCES.map(({ group, version, resource, kind }) => ({
  group,
  version,
  resource,
  kind,
}));

export const apiVersionOf = (r: Pick<Resource, 'group' | 'version'>): string =>
  r.group ? `${r.group}/${r.version}` : r.version;

/** `/api/v1/namespaces/NS/pods`, `/apis/G/V/plural` (all namespaces when `namespace` is undefined). */
export function listPath(r: Pick<Resource, 'group' | 'version' | 'resource'>, namespace?: string): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return `${root}${namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.resource}`;
}

/** One page of a list: `limit` objects from `continue` on. */
export function pageFetcher(kc: KubeConfig, path: string, limit: number): PageFetcher {
  return async (token) => {
    const query = new URLSearchParams({ limit: String(limit), ...(token ? { continue: token } : {}) });
    const list = (await getJson(kc, `${path}?${query}`)) as { items?: unknown[]; metadata?: { continue?: string } };
    const page: ListPage = { items: Array.isArray(list.items) ? list.items : [] };
    if (list.metadata?.continue) page.continue = list.metadata.continue;
    return page;
  };
}

/** Whether the apiserver serves a resource (a CRD may not be installed): one object asked for. */
export async function served(kc: KubeConfig, r: Resource, namespace?: string): Promise<boolean> {
  try {
    await getJson(kc, `${listPath(r, namespace)}?limit=1`);
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return false;
    throw error;
  }
}
