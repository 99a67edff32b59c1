// How `inject` writes manifests: js-yaml's text (written faster for plain data, but the
// same bytes), valid YAML that reads back as the very objects that were written, by
// graphdata's YAML 1.2 readers and by a YAML 1.1 reader as kubectl uses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../../common/package-root.js';
import { injectSources } from '../../../../plugin/documents/inject.js';
import { blockYaml, dumpYaml, manifestYaml } from '../../../../plugin/output/manifests.js';
import { formatManifests } from '../../../support/manifests.js';
import { POD_SHAPES } from '../../../fixtures/pods.js';
import { defaultPolicy } from '../../../fixtures/policy.js';
import { randomPod, rng } from '../../../fixtures/random-pods.js';
import { executorPodsYaml } from '../../../fixtures/spark-executors.js';

const MANIFESTS = join(packageRoot(), 'test', 'fixtures', 'manifests');

/** Every object of the fixtures, generated pods and what inject makes of them. */
function corpus(): { name: string; value: unknown }[] {
  const out: { name: string; value: unknown }[] = [];
  const add = (name: string, text: string) => {
    const { files } = injectSources([{ file: name, text }], defaultPolicy(), 'default');
    for (const [i, v] of files[0]!.before.entries()) out.push({ name: `${name} #${i}`, value: v });
    for (const [i, v] of files[0]!.after.entries()) out.push({ name: `${name} #${i} injected`, value: v });
  };
  for (const f of readdirSync(MANIFESTS).filter((f) => f.endsWith('.yaml')))
    add(f, readFileSync(join(MANIFESTS, f), 'utf8'));
  for (const shape of POD_SHAPES) add(shape.name, JSON.stringify(shape.pod()));
  const random = rng(7);
  for (let i = 0; i < 40; i++) add(`random pod ${i}`, JSON.stringify(randomPod(random)));
  add('executor pods', executorPodsYaml(3));
  add('executor List', executorPodsYaml(3, { list: true }));
  return out;
}

// Strings YAML readers are apt to take for something else, or that need quoting or escapes.
const TRICKY = [
  ...['on', 'On', 'OFF', 'yes', 'No', 'y', 'Y', 'n', 'true', 'False', 'null', 'Null', '~', ''],
  ...['0', '-1', '+1', '007', '0777', '0o17', '0x1F', '0b101', '1_000', '1_', '1__0', '1e3', '1E+3', '.5', '-.5'],
  ...[
    '3.4.1',
    '1.',
    '12:30',
    '190:20:30',
    '1:2',
    '.inf',
    '-.Inf',
    '.NaN',
    '2026-01-01',
    '2001-12-14t21:59:43.10-05:00',
  ],
  ...['2001-12-14 21:59:43.10 -5', '<<', '=', '-', '- x', '-x', '?', '? x', ':', 'a:', 'a: b', 'a:b', 'http://x:80/'],
  ...['#', 'a #b', 'a#b', ' lead', 'trail ', 'in  side', '\t', 'a\tb', "it's", '"q"', '\'"both"\'', '{"v":1}'],
  ...['[a]', '{a}', '&anchor', '*alias', '!tag', '%dir', '@at', '`tick', '|', '>', ',', 'a,b', 'é', '日本', '😀'],
  ...[
    '\u0085',
    '\u2028',
    '\u00a0',
    '\u0001',
    '\u007f',
    '\ufeffbom',
    'a\nb',
    'a\n',
    '\n',
    ' a\nb',
    'a\n\n',
    'x'.repeat(1100),
  ],
  ...['-Dalluxio.user.hostname=$(ALLUXIO_CLIENT_HOSTNAME) -Dx=1', '/opt/spark/extra-jars/*:/opt/lib/*', 'a  # b'],
];

/** Seeded nested data of maps, sequences, numbers, booleans, null and TRICKY strings; a map or list at the top. */
function randomData(random: () => number, depth = 0): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const r = depth === 0 ? 0.45 + random() * 0.55 : random();
  if (depth > 3 || r < 0.45)
    return pick<unknown>([...TRICKY, 0, 1, -7, 123456789, 1.5, -0.25, 1e21, true, false, null, 'plain', 'x-y.z/w']);
  const n = Math.floor(random() * 4);
  if (r < 0.7) return Array.from({ length: n }, () => randomData(random, depth + 1));
  return Object.fromEntries(Array.from({ length: n }, () => [pick(TRICKY), randomData(random, depth + 1)]));
}

const readers = {
  'yaml (YAML 1.2 core)': (text: string) => parse(text),
  'yaml as YAML 1.1 (as kubectl reads it)': (text: string) => parse(text, { version: '1.1', merge: true }),
  'js-yaml': (text: string) => load(text),
};

describe('manifestYaml', () => {
  const objects = corpus();

  it('writes what js-yaml writes, byte for byte, for every fixture and generated pod', () => {
    expect(objects.length).toBeGreaterThan(100);
    for (const { name, value } of objects) expect(manifestYaml(value), name).toBe(dumpYaml(value));
  });

  it('takes its own fast path on pods (js-yaml only for strings)', () => {
    for (const { name, value } of objects) expect(() => blockYaml(value), name).not.toThrow();
  });

  it('writes what js-yaml writes for random nested data with tricky strings', () => {
    const random = rng(11);
    let fast = 0;
    for (let i = 0; i < 2000; i++) {
      const value = randomData(random);
      expect(manifestYaml(value), JSON.stringify(value)).toBe(dumpYaml(value));
      try {
        expect(blockYaml(value), JSON.stringify(value)).toBe(dumpYaml(value));
        fast++;
      } catch (e) {
        if (typeof e !== 'symbol') throw e; // js-yaml's turn: a float, a long or multi-line string
      }
    }
    expect(fast).toBeGreaterThan(500);
  });

  it('writes what js-yaml writes for random strings of name, path, image and URL characters', () => {
    const random = rng(3);
    const chars = 'aZy_n/.:@=*$()+-0123456789 #,?!&';
    for (let i = 0; i < 20_000; i++) {
      const s = Array.from(
        { length: 1 + Math.floor(random() * 6) },
        () => chars[Math.floor(random() * chars.length)],
      ).join('');
      expect(blockYaml({ [s]: [s] }), JSON.stringify(s)).toBe(dumpYaml({ [s]: [s] }));
    }
  });

  for (const [reader, read] of Object.entries(readers)) {
    it(`reads back as the same objects with ${reader}: fixtures and generated pods`, () => {
      for (const { name, value } of objects) expect(read(manifestYaml(value)), name).toEqual(value);
    });

    it(`reads back as the same objects with ${reader}: every tricky string as key, value and item`, () => {
      for (const s of TRICKY) {
        const value = { [s]: s, list: [s, [s]], nested: { [s]: [{ [s]: s }] } };
        expect(read(manifestYaml(value)), JSON.stringify(s)).toEqual(value);
      }
    });

    it(`reads back as the same objects with ${reader}: random nested data`, () => {
      const random = rng(5);
      for (let i = 0; i < 1000; i++) {
        const value = randomData(random);
        // -0 has no YAML of its own; every reader gives 0 back.
        const expected = JSON.parse(JSON.stringify(value));
        expect(JSON.parse(JSON.stringify(read(manifestYaml(value)))), JSON.stringify(value)).toEqual(expected);
      }
    });
  }

  it('quotes what a YAML 1.1 reader would take for a boolean, number, date or merge key', () => {
    const text = manifestYaml({ a: 'on', b: 'y', c: '1_000', d: '12:30', e: '2026-01-01', f: '<<', g: '3.4.1' });
    expect(text).toBe("a: 'on'\nb: 'y'\nc: '1_000'\nd: '12:30'\ne: '2026-01-01'\nf: '<<'\ng: 3.4.1\n");
  });

  it('never writes anchors, even for an object used twice', () => {
    const shared = { name: 'x' };
    expect(manifestYaml({ a: shared, b: [shared] })).toBe('a:\n  name: x\nb:\n  - name: x\n');
  });

  it('a stream of documents reads back as the documents', () => {
    const values = objects.slice(0, 30).map((o) => o.value);
    const text = formatManifests(values, 'yaml');
    expect(loadAll(text)).toEqual(values);
    expect(parseAllDocuments(text).map((d) => d.toJS())).toEqual(values);
  });
});
