// YAML the plugin prints is read back by kubectl and Helm, which speak YAML 1.1: a string
// such as `on` or `12:30` written bare would come back as a boolean or a number.
import { load as loadYaml11 } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatDiagnostics, formatObjects } from '../../../../plugin/output/format.js';
import { diagnostic } from '../../../../policies/diagnostics.js';

const TRICKY = ['on', 'off', 'y', 'n', 'yes', 'No', '12:30', '1_000', '0777', '2024-01-01', '~', 'true', '-Dx=1'];

const configMap = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'tricky' },
  data: Object.fromEntries(TRICKY.map((s, i) => [`k${i}`, s])),
});

describe('-o yaml output reads back as the same strings in YAML 1.1 and 1.2', () => {
  it('formatObjects quotes what a YAML 1.1 reader would turn into another type', async () => {
    const text = await formatObjects([configMap(), configMap()], 'yaml');
    const docs = text.split(/^---\n/m);
    expect(docs).toHaveLength(2);
    for (const doc of docs) {
      expect(parse(doc, { version: '1.1' })).toEqual(configMap());
      expect(parse(doc)).toEqual(configMap());
    }
    expect(text).not.toMatch(/&a1|\*a1/);
  });

  it('formatDiagnostics -o yaml keeps a message that is a 1.1 boolean a string', async () => {
    const d = diagnostic('warning', 'demo', 'on', { path: 'spec.y', hint: 'yes' });
    const text = await formatDiagnostics([d], 'yaml', (_s, t) => t);
    const back = parse(text, { version: '1.1' }) as { diagnostics: { message: unknown; hint: unknown }[] };
    expect(back.diagnostics[0]).toMatchObject({ message: 'on', hint: 'yes' });
    // js-yaml also follows YAML 1.1 for these scalars.
    expect(loadYaml11(text)).toEqual(back);
  });
});
