// podPatch is the webhook's own diff: it must produce patches that apply (with
// validation, as the apiserver does) and give exactly the mutated document.
import { isDeepStrictEqual } from 'node:util';
import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { applyPodPatch, podPatch } from '../../support/pod-patch.js';
import { rng } from '../../fixtures/random-pods.js';

/** A random JSON value, with keys that need escaping and arrays that grow and shrink. */
function randomJson(random: () => number, depth = 0): unknown {
  const pick = random();
  if (depth > 4 || pick < 0.3) return [1, 'x', true, null, 0, ''][Math.floor(random() * 6)];
  if (pick < 0.6) return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth + 1));
  const keys = ['a', 'b', 'c/d', 'e~f', '', '~1'];
  const out: Record<string, unknown> = {};
  for (const key of keys)
    if (random() < 0.4)
      Object.defineProperty(out, key, {
        value: randomJson(random, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
  return out;
}

/** A random edit of `value`: a changed copy sharing nothing with it. */
function mutate(value: unknown, random: () => number): unknown {
  if (random() < 0.15) return randomJson(random);
  if (Array.isArray(value)) {
    const out = value.map((v) => mutate(v, random));
    if (random() < 0.3) out.push(randomJson(random));
    if (random() < 0.2) out.splice(0, 1);
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = JSON.parse('{}');
    for (const [k, v] of Object.entries(value))
      if (random() > 0.1)
        Object.defineProperty(out, k, {
          value: mutate(v, random),
          enumerable: true,
          writable: true,
          configurable: true,
        });
    if (random() < 0.3) out[`n${Math.floor(random() * 3)}`] = randomJson(random);
    return out;
  }
  return value;
}

describe('podPatch', () => {
  it('turns the original into the mutated document, for 1,000 random pairs', () => {
    const random = rng(424242);
    for (let i = 0; i < 1000; i++) {
      const a = { root: randomJson(random) };
      const b = { root: mutate(a.root, random) };
      const patch = podPatch(a, b);
      const applied = applyPodPatch(a, patch);
      if (!isDeepStrictEqual(applied, b)) expect({ a, b, patch, applied }).toEqual({ a, b, patch, applied: b });
    }
  });

  it('is empty for equal documents, shared or copied', () => {
    const doc = { spec: { containers: [{ name: 'c', env: [{ name: 'A', value: '1' }] }] } };
    expect(podPatch(doc, doc)).toEqual([]);
    expect(podPatch(doc, structuredClone(doc))).toEqual([]);
  });

  it('says an appended entry as one add at its index, escaping keys', () => {
    const before = { metadata: { annotations: {} }, spec: { volumes: [{ name: 'a' }] } };
    const after = {
      metadata: { annotations: { 'graphdata.io/injected': '{}' } },
      spec: { volumes: [{ name: 'a' }, { name: 'b' }] },
    };
    expect(podPatch(before, after)).toEqual([
      { op: 'add', path: '/metadata/annotations/graphdata.io~1injected', value: '{}' },
      { op: 'add', path: '/spec/volumes/1', value: { name: 'b' } },
    ]);
  });

  it('agrees with fast-json-patch on what changed', () => {
    const random = rng(7);
    for (let i = 0; i < 300; i++) {
      const a = { root: randomJson(random) };
      const b = { root: mutate(a.root, random) };
      const ours = jsonpatch.applyPatch(structuredClone(a), podPatch(a, b)).newDocument;
      const theirs = jsonpatch.applyPatch(structuredClone(a), jsonpatch.compare(a, b)).newDocument;
      expect(ours).toEqual(theirs);
    }
  });
});
