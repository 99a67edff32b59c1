// An Application component's (or trait's) `properties` against its definition's
// `parameter` schema (parameter-schema.ts): unknown, missing and wrongly typed
// properties, each at the path of the offending property; and the properties with the
// schema's defaults filled in, as CUE would make them, for rendering.
import { joinPath, type Segments } from '../diagnostics.js';
import { isObject } from '../rules/types.js';
import { closest } from '../suggest.js';
import type { Constraint, Field, Literal, Schema } from './parameter-schema.js';

export interface PropertyFinding {
  code: 'vela-unknown-property' | 'vela-missing-property' | 'vela-property-type';
  /** Where the property is; for a missing one, the struct that lacks it. */
  at: Segments;
  message: string;
  hint?: string;
}

const show = joinPath;

/** Findings' paths start at `at`, where the properties are (`spec.components[0].properties`). */
export function checkProperties(value: unknown, schema: Schema, at: Segments): PropertyFinding[] {
  return check(value, schema, at);
}

function check(value: unknown, schema: Schema, at: Segments): PropertyFinding[] {
  const shape = shapeOfValue(value);
  const deep: PropertyFinding[][] = [];
  for (const conj of schema.alternatives) {
    const found = conj.flatMap((c) => satisfies(value, c, at));
    if (found.length === 0) return [];
    // The one struct or list alternative the value could be: its own findings say more than "wrong type".
    if (shape !== 'scalar' && shapeOf(conj) === shape && !found.some(isMismatch)) deep.push(found);
  }
  return deep.length === 1 ? deep[0]! : [wrongType(value, schema, at)];
}

/** satisfies() marks a constraint the value itself fails with an empty message; check() words it. */
const isMismatch = (f: PropertyFinding): boolean => f.message === '';

function satisfies(value: unknown, c: Constraint, at: Segments): PropertyFinding[] {
  const fail = (): PropertyFinding[] => [{ code: 'vela-property-type', at, message: '' }];
  switch (c.k) {
    case 'type':
      if (c.type === 'top') return [];
      if (c.type === 'string') return typeof value === 'string' ? [] : fail();
      if (c.type === 'bool') return typeof value === 'boolean' ? [] : fail();
      if (c.type === 'int') return Number.isInteger(value) ? [] : fail();
      if (c.type === 'number') return typeof value === 'number' ? [] : fail();
      return value === null ? [] : fail();
    case 'literal':
      return equal(value, c.value) ? [] : fail();
    case 'not':
      return equal(value, c.value) ? fail() : [];
    case 'bound': {
      if (typeof value !== 'number') return fail();
      const ok = { '>=': value >= c.n, '<=': value <= c.n, '>': value > c.n, '<': value < c.n }[c.op];
      return ok ? [] : fail();
    }
    case 'schema':
      return check(value, c.schema, at);
    case 'list':
      if (!Array.isArray(value)) return fail();
      return value.flatMap((item, i) => check(item, c.items, [...at, i]));
    case 'tuple':
      if (!Array.isArray(value) || value.length !== c.items.length) return fail();
      return value.flatMap((item, i) => check(item, c.items[i]!, [...at, i]));
    case 'struct':
      if (!isObject(value)) return fail();
      return checkStruct(value, c, at);
  }
}

function checkStruct(
  value: Record<string, unknown>,
  c: Extract<Constraint, { k: 'struct' }>,
  at: Segments,
): PropertyFinding[] {
  const out: PropertyFinding[] = [];
  const fields = activeFields(c.fields, value);
  const names = fields.map((f) => f.name);
  for (const [key, v] of Object.entries(value)) {
    const field = fields.find((f) => f.name === key);
    if (field) out.push(...(v === undefined ? [] : check(v, field.schema, [...at, key])));
    else if (c.pattern) out.push(...check(v, c.pattern, [...at, key]));
    else if (!c.open) {
      const guess = closest(key, names);
      out.push({
        code: 'vela-unknown-property',
        at: [...at, key],
        message: `unknown property ${show([...at, key])}${guess ? `; did you mean ${guess}?` : ''}`,
        hint: names.length
          ? `the definition's parameters here: ${names.join(', ')}`
          : 'the definition takes no parameters here',
      });
    }
  }
  for (const f of fields)
    if (value[f.name] === undefined && needsValue(f))
      out.push({
        code: 'vela-missing-property',
        at,
        message: `missing required property ${show([...at, f.name])}`,
        hint: `set ${f.name}${f.usage ? ` (${f.usage})` : ''}: the definition gives it no default`,
      });
  return out;
}

/** The fields present for this value: the plain ones, and those whose `if` holds on the sibling (given, else its default). */
function activeFields(fields: readonly Field[], value: Record<string, unknown>): Field[] {
  return fields.filter((f) => {
    if (!f.when) return true;
    const sibling = fields.find((g) => g.name === f.when!.field && !g.when);
    const v = value[f.when.field] ?? sibling?.schema.default?.value;
    return v !== undefined && equal(v, f.when.value) === f.when.equals;
  });
}

/** A regular field with no default, and no struct whose own fields all default: CUE leaves it incomplete. */
function needsValue(f: Field): boolean {
  if (f.optional) return false;
  if (f.required) return true;
  return incomplete(f.schema);
}

function incomplete(s: Schema): boolean {
  if (s.default) return false;
  if (s.alternatives.length !== 1) return true;
  const conj = s.alternatives[0]!;
  if (conj.length === 1 && conj[0]!.k === 'literal') return false;
  if (conj.length === 1 && conj[0]!.k === 'schema') return incomplete(conj[0]!.schema);
  const struct = conj.find((c) => c.k === 'struct');
  if (struct && conj.length === 1) return struct.fields.some(needsValue);
  return true;
}

type Shape = 'struct' | 'list' | 'scalar';
const shapeOfValue = (v: unknown): Shape => (Array.isArray(v) ? 'list' : isObject(v) ? 'struct' : 'scalar');
function shapeOf(conj: Constraint[]): Shape {
  for (const c of conj) {
    if (c.k === 'struct') return 'struct';
    if (c.k === 'list' || c.k === 'tuple') return 'list';
    if (c.k === 'schema' && c.schema.alternatives.length === 1) return shapeOf(c.schema.alternatives[0]!);
  }
  return 'scalar';
}

function wrongType(value: unknown, schema: Schema, at: Segments): PropertyFinding {
  const literals = schema.alternatives.flatMap((conj) =>
    conj.length === 1 && conj[0]!.k === 'literal' && typeof conj[0]!.value === 'string' ? [conj[0]!.value] : [],
  );
  const guess = typeof value === 'string' ? closest(value, literals) : undefined;
  const quoted =
    typeof value === 'number' && schema.alternatives.some((c) => c.some((x) => x.k === 'type' && x.type === 'string'));
  return {
    code: 'vela-property-type',
    at,
    message: `${show(at)} is ${describeValue(value)}, the definition wants ${describe(schema)}${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''}`,
    ...(quoted ? { hint: `quote it: "${String(value)}"` } : {}),
  };
}

export function describe(schema: Schema): string {
  return schema.alternatives.map((conj) => conj.map(describeConstraint).join(' & ')).join(' | ');
}

function describeConstraint(c: Constraint): string {
  switch (c.k) {
    case 'type':
      return c.type === 'top' ? 'anything' : c.type;
    case 'literal':
      return JSON.stringify(c.value);
    case 'not':
      return `!=${JSON.stringify(c.value)}`;
    case 'bound':
      return `${c.op}${c.n}`;
    case 'list':
      return `a list of ${describe(c.items)}`;
    case 'tuple':
      return c.items.length ? `a list of ${c.items.length}` : 'an empty list';
    case 'struct':
      return 'a struct';
    case 'schema':
      return c.schema.alternatives.length > 1 ? `(${describe(c.schema)})` : describe(c.schema);
  }
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'a struct';
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'int' : 'number'} ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function equal(a: unknown, b: Literal): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The properties with the schema's defaults filled in, as CUE resolves them: a default
 * where the property is absent, and a struct's defaults where the struct is absent or given.
 * Only for properties that passed checkProperties.
 */
export function withDefaults(value: unknown, schema: Schema): unknown {
  if (value === undefined && schema.default) return structuredClone(schema.default.value);
  const struct = soleStruct(schema);
  if (!struct || (value !== undefined && !isObject(value))) return value;
  const given = (value ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = { ...given };
  for (const f of activeFields(struct.fields, given)) {
    if (f.optional && given[f.name] === undefined) continue;
    const filled = withDefaults(given[f.name], f.schema);
    if (filled !== undefined) out[f.name] = filled;
  }
  return out;
}

function soleStruct(schema: Schema): Extract<Constraint, { k: 'struct' }> | undefined {
  if (schema.alternatives.length !== 1) return undefined;
  const conj = schema.alternatives[0]!;
  for (const c of conj) {
    if (c.k === 'struct') return c;
    if (c.k === 'schema') return soleStruct(c.schema);
  }
  return undefined;
}
