// Upstream CRD schemas (test/upstream-crds) as strict JSON Schemas, to prove scaffold output
// is accepted as written. The apiserver prunes unknown fields silently, so a misspelt
// field would "apply" and do nothing: strict mode turns that into a test failure.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { parse } from 'yaml';

export const CRD_DIR = fileURLToPath(new URL('../../../upstream-crds/', import.meta.url));

type Schema = Record<string, unknown>;

/** additionalProperties: false wherever a schema lists properties and does not keep unknown fields. */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [
      k,
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, strict(ps)]))
        : strict(v),
    ]),
  ) as Schema;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields'])
    s.additionalProperties = false;
  // metadata is `type: object` in CRDs; the apiserver validates it itself.
  return s;
}

// Formats (date-time, int32) only appear in status and numbers we write as numbers.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const schemas = new Map<string, Schema>();
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

function load(): void {
  if (schemas.size) return;
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith('.yaml'))) {
    const crd = parse(readFileSync(join(CRD_DIR, file), 'utf8')) as {
      spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema: { openAPIV3Schema: Schema } }[];
      };
    };
    for (const version of crd.spec.versions)
      schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, version.schema.openAPIV3Schema);
  }
}

export function hasCrd(apiVersion: string, kind: string): boolean {
  load();
  return schemas.has(`${apiVersion}/${kind}`);
}

/** Schema errors of `obj` against its upstream CRD, as `path: message` lines. Compiling a CRD takes seconds: once each. */
export function crdErrors(obj: { apiVersion: string; kind: string }): string[] {
  load();
  const key = `${obj.apiVersion}/${obj.kind}`;
  const schema = schemas.get(key);
  if (!schema) throw new Error(`no CRD for ${obj.apiVersion} ${obj.kind} in ${CRD_DIR}`);
  let validate = validators.get(key);
  if (!validate) validators.set(key, (validate = ajv.compile(strict(schema) as Schema)));
  if (validate(obj)) return [];
  return (validate.errors ?? []).map(
    (e: ErrorObject) =>
      `${e.instancePath || '/'}: ${e.message}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}
