// The fast parse path (js-yaml for values, `yaml` for positions of findings only) gives
// the values `yaml` gives, and exact lines in any document of a long stream.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseYamlSource } from '../../../policies/yaml-source.js';
import { executorPodsYaml } from '../../fixtures/spark-executors.js';

const exact = (text: string) => parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: 100 }) ?? null);
const fast = (text: string) => parseYamlSource(text).documents.map((d) => d.value);
const manifests = fileURLToPath(new URL('../../fixtures/manifests/', import.meta.url));

/** 1-based line of the first line of `text` containing `needle` after `from`. */
const lineOf = (text: string, needle: string, from = 0): number =>
  text.slice(0, text.indexOf(needle, from)).split('\n').length;

describe('parseYamlSource', { timeout: 60_000 }, () => {
  it('resolves plain scalars as the YAML 1.2 core schema of `yaml` does', () => {
    const scalars = [
      '1',
      '0o17',
      '0x1F',
      '-12',
      '+12',
      '010',
      '1_000',
      '0b101',
      '0o8',
      '0X1F',
      '1.5',
      '.5',
      '1e3',
      '1.e3',
      '+.5e3',
      '.inf',
      '-.Inf',
      '.NaN',
      '~',
      'Null',
      'NULL',
      'nULL',
      'yes',
      'on',
      'True',
      'TRUE',
      'tRUE',
      '2024-01-01',
      '12:30',
      '1.0',
      '-0',
      '',
      '"1"',
      "'true'",
      '123456789012345678901234',
    ];
    for (const s of scalars) {
      const text = `a: ${s}\n`;
      const [got] = fast(text) as [{ a: unknown }];
      const [want] = exact(text) as [{ a: unknown }];
      expect(typeof got.a, s).toBe(typeof want.a);
      expect(Object.is(got.a, want.a) || JSON.stringify(got.a) === JSON.stringify(want.a), s).toBe(true);
    }
  });

  it('reads every fixture manifest and a realistic executor pod to the same values as `yaml`', () => {
    const texts = readdirSync(manifests).map((f) => readFileSync(`${manifests}${f}`, 'utf8'));
    for (const text of [...texts, executorPodsYaml(3), executorPodsYaml(3, { list: true })])
      expect(fast(text)).toEqual(exact(text));
  });

  it('keeps documents, empty ones and comments where `yaml` has them', () => {
    for (const text of [
      '',
      '# only a comment\n',
      '---\na: 1\n',
      '# head\n---\na: 1\n---\n---\nb: [1, 2]\n--- |\n  text\n',
      'a: 1\n---\n',
      'a: &x {b: 1}\nc: *x\n---\nd: !!str 5\n',
      '%YAML 1.2\n---\na: 1\n...\n---\nb: 2\n',
      'a: "---"\nb: |\n  ---\n',
    ]) {
      expect(fast(text), JSON.stringify(text)).toEqual(exact(text));
      expect(parseYamlSource(text).documents.map((d) => d.index)).toEqual(exact(text).map((_, i) => i));
    }
  });

  it('reports a syntax error in a late document at its line in the whole stream', () => {
    const pods = executorPodsYaml(300);
    const bad = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  name: y\n';
    const broken = `${pods}---\n${bad}`;
    const parsed = parseYamlSource(broken, 'big.yaml');
    expect(parsed.documents).toHaveLength(300);
    expect(parsed.diagnostics).toEqual([
      expect.objectContaining({
        code: 'yaml-syntax',
        file: 'big.yaml',
        line: lineOf(broken, '  name: y', pods.length),
        column: 3,
      }),
    ]);
    expect(parsed.diagnostics[0]!.message).toBe(
      parseAllDocuments(bad, { prettyErrors: false, uniqueKeys: true })
        .flatMap((d) => d.errors)[0]!
        .message.split('\n')[0],
    );
  });

  it('locates fields in any document of a long stream, at their line and column', () => {
    const text = executorPodsYaml(400);
    const docs = parseYamlSource(text).documents;
    for (const i of [0, 1, 217, 399]) {
      const name = (docs[i]!.value as { metadata: { name: string } }).metadata.name;
      const at = text.indexOf(`  name: ${name}\n`);
      // Scalars point at their value, maps and lists at their key.
      expect(docs[i]!.position(['metadata', 'name'])).toEqual({ line: lineOf(text, `  name: ${name}\n`), column: 9 });
      expect(docs[i]!.position(['spec', 'containers', 0, 'env', 3, 'value'])).toEqual({
        line: lineOf(text, '          value: 12g', at),
        column: 18,
      });
      expect(docs[i]!.position(['spec', 'volumes'])).toEqual({ line: lineOf(text, '  volumes:', at), column: 3 });
    }
  });

  it('identical documents of a stream are located each at its own lines', () => {
    const doc =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: xxx:xxx\n';
    const text = [doc, doc, doc].join('---\n');
    const docs = parseYamlSource(text).documents;
    // The second and third have the same text; the third was given the second's lines.
    expect(docs.map((d) => d.position(['spec', 'containers', 0, 'image'])?.line)).toEqual([8, 17, 26]);
  });

  // Searching each map from its start for each finding took 27 s here, duplicate-key checks included.
  it('locates every key of a map of 32,000 keys', { timeout: 10_000 }, () => {
    const n = 32_000;
    const labels = Array.from({ length: n }, (_, i) => `    l${i}: v${i}`).join('\n');
    const text = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n${labels}\n`;
    const [doc] = parseYamlSource(text).documents;
    for (let i = 0; i < n; i++) expect(doc!.position(['metadata', 'labels', `l${i}`])?.line).toBe(6 + i);
  });
});
