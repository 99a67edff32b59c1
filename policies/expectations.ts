// Comparing what admission produced with what a policy test expects: "these fields are
// in the patched resource" (a subset) or "the patched resource is exactly this". Pure;
// `kubectl graphdata policy test` reports the mismatches with their field paths.
import jsonpatch from 'fast-json-patch';
import { joinPath, type Segments } from './diagnostics.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value in a mismatch message: short enough to read in a table. */
export function brief(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const at = (path: Segments): string => joinPath(path) || '(the resource)';

/**
 * Where `actual` fails to contain `expected`. Maps: every expected key, recursively.
 * Lists: each expected element matches a distinct actual element, in the same order
 * (other elements may sit between them), so `env` order (JAVA_TOOL_OPTIONS last) can be
 * asserted without listing every variable. Scalars: equal, type included.
 */
export function containsMismatches(expected: unknown, actual: unknown, path: Segments = []): string[] {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return [`${at(path)}: expected a map, got ${brief(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) =>
      Object.hasOwn(actual, key)
        ? containsMismatches(value, actual[key], [...path, key])
        : [`${at([...path, key])}: missing (expected ${brief(value)})`],
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${at(path)}: expected a list, got ${brief(actual)}`];
    // Greedy leftmost matching finds an in-order match whenever one exists.
    let next = 0;
    for (const [i, item] of expected.entries()) {
      let found = -1;
      for (let j = next; j < actual.length; j++) {
        if (containsMismatches(item, actual[j]).length === 0) {
          found = j;
          break;
        }
      }
      if (found < 0) {
        // An element of the same name is what the author meant: say what differs inside it.
        const name = isPlainObject(item) && typeof item.name === 'string' ? item.name : undefined;
        const named =
          name === undefined ? -1 : actual.findIndex((a, j) => j >= next && isPlainObject(a) && a.name === name);
        if (named >= 0) return containsMismatches(item, actual[named], [...path, named]);
        const after = next > 0 ? ` after ${at([...path, next - 1])}` : '';
        return [`${at([...path, i])}: no element of ${at(path)}${after} matches ${brief(item)}`];
      }
      next = found + 1;
    }
    return [];
  }
  return Object.is(expected, actual) ? [] : [`${at(path)}: expected ${brief(expected)}, got ${brief(actual)}`];
}

const pointerSegments = (pointer: string): Segments =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));

const valueAt = (root: unknown, segments: Segments): unknown =>
  segments.reduce<unknown>((v, s) => (v as Record<string | number, unknown> | undefined)?.[s], root);

/** Where `actual` differs from `expected`, field by field (fast-json-patch's structural diff). */
export function equalMismatches(expected: unknown, actual: unknown): string[] {
  if (!isPlainObject(expected) || !isPlainObject(actual))
    return Object.is(expected, actual) ? [] : [`expected ${brief(expected)}, got ${brief(actual)}`];
  return jsonpatch.compare(expected, actual).map((op) => {
    const segments = pointerSegments(op.path);
    if (op.op === 'add') return `${at(segments)}: not expected, got ${brief(op.value)}`;
    if (op.op === 'remove') return `${at(segments)}: missing (expected ${brief(valueAt(expected, segments))})`;
    return `${at(segments)}: expected ${brief(valueAt(expected, segments))}, got ${brief(valueAt(actual, segments))}`;
  });
}
