// JSON-schema checks that report Diagnostics with field paths (and, through a
// SourceDocument, lines). Used for policies here and for resources by `validate`.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { diagnostic, joinPath, type Diagnostic } from './diagnostics.js';
import { closest } from './suggest.js';
import type { SourceDocument } from './yaml-source.js';

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true });
const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: object): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) compiled.set(schema, (fn = ajv.compile(schema)));
  return fn;
}

export interface SchemaCheckOptions {
  /** Path of `value` inside the document, e.g. ['spec'] when checking a spec. */
  basePath?: (string | number)[];
  source?: SourceDocument;
  file?: string;
  codePrefix?: string;
}

/** Validates `value` in place (filling schema defaults) and returns one diagnostic per problem. */
export function checkSchema(schema: object, value: unknown, opts: SchemaCheckOptions = {}): Diagnostic[] {
  const validate = compile(schema);
  if (validate(value)) return [];
  return schemaDiagnostics(validate.errors ?? [], opts);
}

/** ajv errors (from a validator compiled with `verbose: true`) as diagnostics. */
export function schemaDiagnostics(errors: readonly ErrorObject[], opts: SchemaCheckOptions = {}): Diagnostic[] {
  return errors.filter(notNoise).map((e) => toDiagnostic(e, opts));
}

// `if`/`anyOf`/`propertyNames` wrappers repeat what their branches already said.
const notNoise = (e: ErrorObject): boolean => !['if', 'anyOf', 'oneOf', 'propertyNames'].includes(e.keyword);

function toDiagnostic(e: ErrorObject, opts: SchemaCheckOptions): Diagnostic {
  const segments = [
    ...(opts.basePath ?? []),
    ...e.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~'))),
  ];
  let message = `${e.message ?? 'is invalid'}`;
  let hint: string | undefined;
  const params = e.params as Record<string, unknown>;
  // A map key that breaks `propertyNames`: point at the key, not at the map.
  const key = e.propertyName;
  if (key !== undefined) segments.push(key);
  if (key !== undefined && e.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map(String);
    const guess = closest(key, allowed);
    message = `unknown key "${key}"`;
    hint = guess ? `did you mean "${guess}"?` : `use one of ${allowed.join(', ')}`;
  } else if (key !== undefined && e.keyword === 'pattern') {
    message = `key "${key}" does not match ${String(params.pattern)}`;
  } else if (e.keyword === 'additionalProperties') {
    const field = String(params.additionalProperty);
    segments.push(field);
    const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
    const guess = closest(field, known);
    message = `unknown field "${field}"`;
    hint = guess ? `did you mean "${guess}"?` : `remove it; known fields: ${known.join(', ')}`;
  } else if (e.keyword === 'required') {
    segments.push(String(params.missingProperty));
    message = `required field is missing`;
    hint = `add ${joinPath(segments)}`;
  } else if (e.keyword === 'enum') {
    const allowed = (params.allowedValues as unknown[]).map(String);
    message = `must be one of ${allowed.join(', ')}`;
    const guess = closest(String(e.data), allowed);
    hint = guess ? `did you mean "${guess}"?` : `use one of ${allowed.join(', ')}`;
  } else if (e.keyword === 'type') {
    message = `must be ${String(params.type)}, got ${describe(e.data)}`;
    hint = params.type === 'string' ? 'quote the value, e.g. "true" or "19998"' : `write a ${String(params.type)} here`;
  } else if (e.keyword === 'pattern') {
    message = `value ${JSON.stringify(e.data)} does not match ${String(params.pattern)}`;
    // A pattern is hard to read; the schema's description says what it wants in words.
    const wanted = (e.parentSchema as { description?: unknown } | undefined)?.description;
    if (typeof wanted === 'string') hint = `write ${wanted}`;
  }
  const position = opts.source?.position(segments);
  return diagnostic('error', `${opts.codePrefix ?? 'schema'}-${e.keyword}`, message, {
    path: joinPath(segments),
    ...(hint ? { hint } : {}),
    ...(opts.file ? { file: opts.file } : {}),
    ...(position ?? {}),
  });
}

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);
