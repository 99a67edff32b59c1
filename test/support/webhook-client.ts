// Talks to a webhook over real HTTPS, verifying its certificate against a CA.
import { request } from 'node:https';
import type { Pod } from '../../policies/k8s.js';

export interface HttpsReply {
  status: number;
  body: string;
  json<T = any>(): T;
}

export function httpsCall(
  url: string,
  ca: string,
  opts: { method?: string; body?: string | Buffer; headers?: Record<string, string>; servername?: string } = {},
): Promise<HttpsReply> {
  return new Promise((resolve, reject) => {
    const { method = 'GET', headers, servername } = opts;
    const req = request(url, { method, ca, headers, agent: false, ...(servername ? { servername } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const postJson = (url: string, ca: string, body: unknown) =>
  httpsCall(url, ca, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

let counter = 0;
export function admissionReview(pod: Pod, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `uid-${++counter}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'tenant-a',
      operation: 'CREATE',
      object: pod,
      dryRun: false,
      ...extra,
    },
  };
}

export const decodePatch = (patch: string) => JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
