// The golden files through the other shell, as Istio's TestInjection runs its inputs
// through kube-inject and the webhook alike: every pod (or pod template) of a golden
// input goes to the webhook's /mutate as a CREATE review, the JSON patch it answers is
// applied as the apiserver applies it, and the result must be the pod that
// `kubectl graphdata inject` wrote into the golden file, with the same warnings.
// golden.test.ts holds the files to `inject`; this test reads them, never writes them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createCA, issueCert } from '../../certs/pki.js';
import { packageRoot } from '../../common/package-root.js';
import { joinPath, WARNING_MAX_CHARS } from '../../policies/diagnostics.js';
import type { Pod } from '../../policies/k8s.js';
import { namespaceOf, podSites } from '../../policies/pod-sites.js';
import { filePolicyStore } from '../../webhook/policy-store.js';
import { buildServer, type WebhookServer } from '../../webhook/server.js';
import { applyPodPatch } from '../support/pod-patch.js';
import { admissionReview, decodePatch } from '../support/webhook-client.js';

const ROOT = packageRoot();
const GOLDEN = join(ROOT, 'test', 'golden');

/**
 * Each golden output with what `inject` read, from its first line
 * (`# kubectl graphdata inject -f INPUT [--policy FILE]`): pod shapes, fixture manifests,
 * and the same inputs under another policy.
 */
const cases = ['pods', 'manifests', 'image-volume']
  .flatMap((dir) =>
    readdirSync(join(GOLDEN, dir))
      .filter((f) => f.endsWith('.injected.yaml'))
      .map((f) => join(GOLDEN, dir, f)),
  )
  .map((output) => {
    const head = readFileSync(output, 'utf8').split('\n', 1)[0]!;
    const m = /^# kubectl graphdata inject -f (\S+)(?: --policy (\S+))?$/.exec(head);
    if (!m) throw new Error(`${output}: first line is not the inject command: ${head}`);
    return { input: join(ROOT, m[1]!), output, ...(m[2] ? { policy: join(ROOT, m[2]) } : {}) };
  })
  .sort((a, b) => a.output.localeCompare(b.output));

const documents = (file: string): unknown[] =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .filter((d) => d !== null);

const at = (value: unknown, path: readonly (string | number)[]): any =>
  path.reduce<any>((v, key) => (v === undefined || v === null ? undefined : v[key]), value);

/**
 * The warnings of the golden file's `# stderr:` comment (`FILE:L:C: warning CODE: MESSAGE (PATH)`
 * and its `hint:` line), as the webhook words a warning: `graphdata CODE: MESSAGE (PATH); HINT`.
 * `inject`'s paths are the document's; the webhook's are the pod's, so a path under one of
 * `sitePaths` (a pod template's) loses that prefix.
 */
function goldenWarnings(file: string, sitePaths: string[]): string[] {
  const podPath = (path: string): string => {
    const site = sitePaths.filter((p) => p && path.startsWith(`${p}.`)).sort((a, b) => b.length - a.length)[0];
    return site ? path.slice(site.length + 1) : path;
  };
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.indexOf('# stderr:');
  if (start < 0) return [];
  const warnings: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const finding = /^# {3}\S+:\d+:\d+: warning (.*)$/.exec(line);
    const hint = /^# {7}hint: (.*)$/.exec(line);
    if (finding) warnings.push(`graphdata ${finding[1]!.replace(/\(([^()]*)\)$/, (_, path) => `(${podPath(path)})`)}`);
    else if (hint && warnings.length) warnings.push(`${warnings.pop()}; ${hint[1]}`);
    else if (line.trim() !== '') throw new Error(`${file}: unexpected stderr line ${JSON.stringify(line)}`);
  }
  return warnings.map((w) => {
    const text = w.replace(/\s+/g, ' ');
    return text.length <= WARNING_MAX_CHARS ? text : `${text.slice(0, WARNING_MAX_CHARS - 1)}…`;
  });
}

/** One webhook per policy file; '' is the built-in policy, as `npm start` and `inject` without --policy use it. */
const servers = new Map<string, WebhookServer>();

beforeAll(async () => {
  const ca = createCA({ commonName: 'golden-ca' });
  const serving = issueCert({ ca, commonName: 'graphdata-webhook', dnsNames: ['localhost'], usage: 'server' });
  for (const policy of new Set(cases.map((c) => c.policy ?? ''))) {
    const server = buildServer({
      tls: { cert: serving.certPem, key: serving.keyPem },
      policies: await filePolicyStore(policy || undefined),
      logger: false,
    });
    await server.app.ready();
    servers.set(policy, server);
  }
});
afterAll(async () => {
  for (const server of servers.values()) await server.shutdown();
});

/** /mutate's answer for `pod` created in `namespace`: the pod it makes, and its warnings. */
async function mutate(pod: Pod, namespace: string, policy = ''): Promise<{ pod: Pod; warnings: string[] }> {
  const reply = await servers.get(policy)!.app.inject({
    method: 'POST',
    url: '/mutate',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify(admissionReview(pod, { namespace })),
  });
  expect(reply.statusCode).toBe(200);
  const { response } = reply.json();
  expect(response.allowed).toBe(true);
  const patched = response.patch ? applyPodPatch(pod, decodePatch(response.patch)) : pod;
  return { pod: patched, warnings: response.warnings ?? [] };
}

describe('golden files through /mutate and its patch', () => {
  it('cover every golden output, and pods of every kind', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
    const kinds = new Set(cases.flatMap(({ input }) => documents(input).map((d) => (d as { kind?: string }).kind)));
    for (const kind of ['Pod', 'StatefulSet']) expect(kinds).toContain(kind);
  });

  for (const { input, output, policy } of cases) {
    it(relative(ROOT, output), async () => {
      const inputs = documents(input);
      const outputs = documents(output);
      expect(outputs.length).toBe(inputs.length);
      const warnings: string[] = [];
      const sitePaths: string[] = [];
      for (const [i, doc] of inputs.entries()) {
        for (const site of podSites(doc)) {
          sitePaths.push(joinPath(site.path));
          // What the apiserver sends for a pod made from a template: the template as a Pod.
          const pod: Pod = site.isPod
            ? site.pod
            : { apiVersion: 'v1', kind: 'Pod', metadata: site.pod.metadata ?? {}, spec: site.pod.spec };
          const result = await mutate(structuredClone(pod), namespaceOf(doc, site, 'default'), policy);
          const golden = at(outputs[i], site.path);
          const where = `${relative(ROOT, output)} ${site.label}`;
          if (site.isPod) expect(result.pod, where).toEqual(golden);
          else
            expect({ metadata: result.pod.metadata, spec: result.pod.spec }, where).toEqual({
              metadata: golden.metadata ?? {},
              spec: golden.spec,
            });
          warnings.push(...result.warnings);
        }
      }
      expect(sitePaths.length, `${relative(ROOT, input)} has no pod`).toBeGreaterThan(0);
      expect(warnings.sort()).toEqual(goldenWarnings(output, sitePaths).sort());
    });
  }
});
