// The admission body parser: the nesting scan skips strings with a native search, so it
// is checked against a character-by-character reference on random bodies full of quotes,
// escapes and brackets; and the UTF-8 and BOM handling is the one a fatal TextDecoder had.
import { describe, expect, it } from 'vitest';
import { MalformedReview } from '../../../webhook/review.js';
import { MAX_NESTING, nestingBeyond, openersAtMost, parseBody } from '../../../webhook/body.js';
import { rng } from '../../fixtures/random-pods.js';

/** The obvious scan: one character at a time, tracking whether it is inside a string. */
function reference(json: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return 0;
}

describe('admission body parser', () => {
  it('nestingBeyond agrees with a character-by-character scan on 20,000 random bodies', () => {
    const random = rng(20261130);
    const alphabet = '[]{}"\\a:,é';
    for (let t = 0; t < 20_000; t++) {
      let text = '';
      const length = Math.floor(random() * 60);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      for (const max of [0, 1, 2, 3, 8])
        expect(nestingBeyond(text, max), `${JSON.stringify(text)} max ${max}`).toBe(reference(text, max));
    }
  });

  it('finds deep nesting behind strings with escaped quotes and backslashes', () => {
    const deep = '['.repeat(MAX_NESTING + 1);
    for (const prefix of ['', '{"a":"\\\\",', '{"a":"\\"[[[","b":', '["\\\\\\"",']) {
      const body = prefix + deep;
      expect(nestingBeyond(body, MAX_NESTING)).toBe(reference(body, MAX_NESTING));
      expect(nestingBeyond(body, MAX_NESTING)).toBeGreaterThan(0);
    }
    expect(nestingBeyond(`"${deep}"`, MAX_NESTING)).toBe(0);
  });

  it('openersAtMost counts opening brackets in strings and out, and stops at the bound', () => {
    const random = rng(20261201);
    const alphabet = '[]{}"\\a:,';
    for (let t = 0; t < 5_000; t++) {
      let text = '';
      const length = Math.floor(random() * 40);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const openers = [...text].filter((c) => c === '{' || c === '[').length;
      for (const max of [0, 1, 3, 8]) {
        expect(openersAtMost(text, max), JSON.stringify(text)).toBe(openers <= max);
        // The shortcut is only ever taken when the exact scan would find nothing.
        if (openersAtMost(text, max)) expect(reference(text, max)).toBe(0);
      }
    }
  });

  it('takes the shortcut on a shallow body and still scans one with many brackets in its strings', () => {
    const atLimit = `${'['.repeat(MAX_NESTING)}${']'.repeat(MAX_NESTING)}`;
    expect(openersAtMost(atLimit, MAX_NESTING)).toBe(true);
    expect(() => parseBody(Buffer.from(atLimit))).not.toThrow();
    // Thousands of brackets, all inside a string: the count cannot clear it, the scan does.
    const inString = JSON.stringify({ annotation: '{['.repeat(MAX_NESTING) });
    expect(openersAtMost(inString, MAX_NESTING)).toBe(false);
    expect(parseBody(Buffer.from(inString))).toEqual({ annotation: '{['.repeat(MAX_NESTING) });
    // Brackets in strings, then real nesting past the limit: refused at the right byte.
    const deepAfter = `[${JSON.stringify('['.repeat(2 * MAX_NESTING))},${'['.repeat(MAX_NESTING)}`;
    expect(() => parseBody(Buffer.from(deepAfter))).toThrow(
      new MalformedReview(`body nests deeper than ${MAX_NESTING} levels (at byte ${deepAfter.length - 1})`),
    );
  });

  it('parses JSON, drops a leading BOM and refuses invalid UTF-8 and deep nesting with a reason', () => {
    expect(parseBody(Buffer.from('{"a":"é"}'))).toEqual({ a: 'é' });
    expect(parseBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]))).toEqual({ a: 1 });
    expect(() => parseBody(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))).toThrow(
      new MalformedReview('body is not valid UTF-8'),
    );
    expect(() => parseBody(Buffer.from('['.repeat(MAX_NESTING + 1)))).toThrow(
      new MalformedReview(`body nests deeper than ${MAX_NESTING} levels (at byte ${MAX_NESTING})`),
    );
    // The offset is in bytes of the body as sent: the BOM and multi-byte characters count.
    const prefix = '\uFEFF{"é":';
    expect(() => parseBody(Buffer.from(prefix + '['.repeat(MAX_NESTING + 1)))).toThrow(
      `(at byte ${Buffer.byteLength(prefix) + MAX_NESTING - 1})`,
    );
    // Too short to nest 1,000 levels: not scanned, and JSON.parse takes it.
    expect(parseBody(Buffer.from(`${'['.repeat(500)}${']'.repeat(500)}`))).toHaveLength(1);
    expect(() => parseBody(Buffer.from('{"a":'))).toThrow(SyntaxError);
  });
});
