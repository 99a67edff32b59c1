// inject at scale: work linear in the input, exact lines in late documents, a diff that
// is the one jsdiff would print for the whole file, and an empty --diff that says why.
import { applyPatch, createTwoFilesPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { replaceSites } from '../../../policies/pod-sites.js';
import { injectSources } from '../../../plugin/documents/inject.js';
import { formatOne, ManifestPieces } from '../../../plugin/output/manifests.js';
import { formatManifests, unifiedDiff } from '../../support/manifests.js';
import { validateSources } from '../../../plugin/validate/sources.js';
import { defaultPolicy } from '../../fixtures/policy.js';
import { executorPodsYaml } from '../../fixtures/spark-executors.js';
import { cli } from '../../support/run-cli.js';

const lineOf = (text: string, needle: string, from = 0): number => {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`${needle} not found`);
  return text.slice(0, at).split('\n').length;
};

/** Pod `i` of a stream starts at its `metadata.name` line. */
const podStart = (text: string, i: number): number => {
  let at = -1;
  for (let n = 0; n <= i; n++) at = text.indexOf('\nkind: Pod\n', at + 1);
  return at;
};

describe('replaceSites', () => {
  const list = (n: number) => ({
    apiVersion: 'v1',
    kind: 'List',
    items: Array.from({ length: n }, (_, i) => ({ kind: 'Pod', metadata: { name: `p${i}` } })),
  });

  it('copies each container on the edited paths once, so a List costs linear work', () => {
    const copied = (n: number) => {
      const stats = { copied: 0 };
      const doc = list(n);
      replaceSites(
        doc,
        doc.items.map((_, i) => ({ path: ['items', i], value: { injected: i } })),
        stats,
      );
      return stats.copied;
    };
    // The document's 3 keys and the items array once, however many pods are replaced.
    expect(copied(1000)).toBe(3 + 1000);
    expect(copied(2000)).toBe(3 + 2000);
  });

  it('leaves the input as it was and shares what it did not edit', () => {
    const doc = list(3);
    const before = structuredClone(doc);
    const after = replaceSites(doc, [{ path: ['items', 1], value: { injected: true } }]);
    expect(doc).toEqual(before);
    expect(after.items[1]).toEqual({ injected: true });
    expect(after.items[0]).toBe(doc.items[0]);
    expect(after.items[2]).toBe(doc.items[2]);
  });
});

// Each of these parses a few megabytes: generous timeouts for a busy machine, not a timing check.
describe('inject and validate on a long stream', { timeout: 60_000 }, () => {
  const n = 300;
  const pods = executorPodsYaml(n);
  // Pod 250 keeps a volume of its own under the name graphdata mounts its socket from.
  const logs = '    - name: spark-logs\n      emptyDir: {}';
  const clash = pods.indexOf(logs, podStart(pods, 250));
  const text = `${pods.slice(0, clash)}    - name: graphdata-alluxio-domain\n      emptyDir: {}${pods.slice(clash + logs.length)}`;

  it('injects every pod and warns about the late one at its own line', () => {
    const result = injectSources([{ file: 'big.yaml', text }], defaultPolicy(), 'default');
    expect(result.files[0]!.after).toHaveLength(n);
    expect(result.sites.filter((s) => s.result.changed)).toHaveLength(n);
    const warnings = result.diagnostics.filter((d) => d.code === 'domain-socket-conflict');
    expect(warnings).toEqual([
      expect.objectContaining({ file: 'big.yaml', line: lineOf(text, '- name: graphdata-alluxio-domain'), column: 7 }),
    ]);
  });

  it('validate points at a placeholder in a late document', () => {
    const at = text.indexOf('      image: ', podStart(text, 290));
    const bad = `${text.slice(0, at)}      image: xxx:xxx\n${text.slice(text.indexOf('\n', at) + 1)}`;
    const report = validateSources([{ file: 'big.yaml', text: bad }], defaultPolicy());
    const found = report.diagnostics.filter((d) => d.code === 'placeholder');
    expect(found).toEqual([
      expect.objectContaining({ file: 'big.yaml', line: lineOf(bad, 'image: xxx:xxx'), column: 14 }),
    ]);
  });
});

describe('inject --diff', () => {
  for (const [shape, text] of [
    ['stream', executorPodsYaml(12)],
    ['List', executorPodsYaml(12, { list: true })],
  ] as const) {
    for (const format of ['yaml', 'json'] as const) {
      it(`prints, piece by piece, the patch jsdiff prints for the whole ${shape} (${format})`, () => {
        const { files } = injectSources([{ file: 'pods.yaml', text }], defaultPolicy(), 'default');
        const file = files[0]!;
        const a = formatManifests(file.before, format);
        const b = formatManifests(file.after, format);
        const patch = unifiedDiff('pods.yaml', file.before, file.after, format);
        expect(patch).toBe(
          createTwoFilesPatch('a/pods.yaml', 'b/pods.yaml', a, b, undefined, undefined, { context: 3 }),
        );
        expect(applyPatch(a, patch)).toBe(b);
      });
    }
  }

  it('says so when nothing in the input is a pod or a pod template', async () => {
    const svc = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n';
    const run = await cli(['inject', '-f', '-', '--diff'], { stdin: svc });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no pods or pod templates in <stdin>');
  });

  it('says why when the pods are there but nothing would change', async () => {
    const first = await cli(['inject', '-f', '-'], { stdin: executorPodsYaml(2) });
    const run = await cli(['inject', '-f', '-', '--diff'], { stdin: first.stdout });
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^<stdin>: nothing would change \(2 pods or templates: 2 [a-z-]+\)$/m);
  });

  it('diffs the -o json form when asked for it', async () => {
    const run = await cli(['inject', '-f', '-', '--diff', '-o', 'json'], { stdin: executorPodsYaml(1) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^\+ +"graphdata\.io\/injected": "\{/m);
  });
});

describe('inject, a document at a time', () => {
  for (const format of ['yaml', 'json'] as const) {
    it(`writes, piece by piece, what formatManifests writes for all the objects (${format})`, () => {
      const objects = injectSources([{ file: 'p.yaml', text: executorPodsYaml(3) }], defaultPolicy(), 'default')
        .files[0]!.after;
      for (const n of [0, 1, 2, 3]) {
        const pieces = new ManifestPieces(format);
        const text =
          objects
            .slice(0, n)
            .map((o) => pieces.push(formatOne(o, format)))
            .join('') + pieces.end();
        expect(text, `${n} objects`).toBe(formatManifests(objects.slice(0, n), format));
      }
    });
  }

  it('prints nothing but the errors when the last document of a long stream is not YAML', async () => {
    const run = await cli(['inject', '-f', '-'], { stdin: `${executorPodsYaml(50)}---\nkind: [Pod\n` });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/<stdin>:\d+:\d+: error yaml-syntax/);
    expect(run.stderr).toContain('nothing was injected');
  });

  it('prints every document of a long stream, injected, in order', async () => {
    const run = await cli(['inject', '-f', '-'], { stdin: executorPodsYaml(300) });
    expect(run.code).toBe(0);
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS());
    expect(docs).toHaveLength(300);
    expect(docs.map((d) => d.metadata.name)).toEqual(
      parseAllDocuments(executorPodsYaml(300)).map((d) => d.toJS().metadata.name),
    );
    expect(docs.every((d) => d.metadata.annotations['graphdata.io/injected'])).toBe(true);
  });
});
