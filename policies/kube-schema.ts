// Built-in Kubernetes kinds checked against the OpenAPI schemas of one apiserver
// release, as kubeconform does: a field the apiserver does not know is an error with a
// did-you-mean, as `kubectl apply` (strict field validation) would refuse it. Pure: the
// schema data (policies/kube-openapi/<version>.json) is handed in by the shell that read it.
import { Ajv, type ErrorObject } from 'ajv';
import type { Diagnostic } from './diagnostics.js';
import { schemaDiagnostics } from './schema-check.js';

/** The Kubernetes release whose schemas ship in policies/kube-openapi/ (the e2e default). */
export const KUBE_OPENAPI_VERSION = 'v1.37.2';

/** policies/kube-openapi/<version>.json as scripts/generate-kube-openapi.mjs writes it. */
export interface KubeOpenApi {
  kubernetes: string;
  /** `apiVersion/Kind` (`v1/Pod`, `apps/v1/Deployment`) → schema name. */
  kinds: Record<string, string>;
  /** OpenAPI v3 component schemas by name, `$ref`s as `#/components/schemas/NAME`. */
  schemas: Record<string, unknown>;
}

/** API groups with kinds in the data: only objects of these make `validate` read it. */
const GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
]);

/** Whether objects of this apiVersion may have a schema in the data (without reading it). */
export function mayHaveKubeSchema(apiVersion: string): boolean {
  const slash = apiVersion.indexOf('/');
  return GROUPS.has(slash < 0 ? '' : apiVersion.slice(0, slash));
}

const REF_PREFIX = '#/components/schemas/';

/**
 * The OpenAPI dialect turned into plain JSON Schema for ajv:
 * - objects that list properties are closed (`additionalProperties: false`) unless
 *   `x-kubernetes-preserve-unknown-fields` says they keep any field;
 * - `oneOf` of bare types (int-or-string, Quantity) becomes one `type` list, so a wrong
 *   value gets one error ("must be integer,string"), not one per branch;
 * - `default` (ajv would write it into the user's object) and `format` (int32,
 *   date-time: no runtime check wanted) go; `$ref`s point at schema ids.
 */
export function toJsonSchema(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n));
  if (node === null || typeof node !== 'object') return node;
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (underProperties) {
      out[key] = toJsonSchema(value);
      continue;
    }
    if (key === 'default' || key === 'format' || key.startsWith('x-kubernetes-')) continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) {
      out.$ref = value.slice(REF_PREFIX.length);
      continue;
    }
    out[key] = toJsonSchema(value, key === 'properties');
  }
  if (underProperties) return out;
  const oneOf = src.oneOf;
  if (Array.isArray(oneOf) && oneOf.every(isBareType)) {
    delete out.oneOf;
    out.type = oneOf.map((b) => (b as { type: string }).type);
  }
  if (src.properties && src.additionalProperties === undefined && !src['x-kubernetes-preserve-unknown-fields'])
    out.additionalProperties = false;
  return out;
}

const isBareType = (b: unknown): boolean =>
  typeof b === 'object' &&
  b !== null &&
  Object.keys(b).length === 1 &&
  typeof (b as { type?: unknown }).type === 'string';

/** A compiled validator as ajv makes it (also its standalone code): true, or false with `errors`. */
export interface KubeValidator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** The export name of a kind's validator in the build's standalone module (a JS identifier). */
export const validatorName = (key: string): string => `k_${key.replace(/[^A-Za-z0-9]/g, '_')}`;

/**
 * Checks objects of the kinds in one KubeOpenApi. `precompiled` holds the validators
 * `npm run build` generated (ajv standalone code): compiling the Pod schema tree at run
 * time costs ~0.4 s of CPU, loading the generated code a few ms. A kind missing there
 * (running from source without a build) is compiled here the first time it is seen.
 */
export class KubeSchemaChecker {
  private ajv: Ajv | undefined;
  private readonly compiled = new Map<string, KubeValidator>();
  private readonly converted = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly openapi: KubeOpenApi,
    private readonly precompiled: Readonly<Record<string, KubeValidator>> = {},
  ) {}

  covers(apiVersion: string, kind: string): boolean {
    return Object.hasOwn(this.openapi.kinds, `${apiVersion}/${kind}`);
  }

  /** Findings for one object (paths relative to it); undefined when its kind has no schema here. */
  check(obj: Record<string, unknown>): Diagnostic[] | undefined {
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !this.covers(apiVersion, kind)) return undefined;
    const key = `${apiVersion}/${kind}`;
    const validate = this.validator(key);
    // YAML's `key:` with no value is null; the apiserver reads it as absent, and so do we.
    const value = withoutNullFields(obj);
    if (validate(value)) return [];
    const root = this.openapi.kinds[key]!;
    // Standalone validators carry no schemas or data: the messages need both (known fields, the value found).
    const errors = (validate.errors ?? []).map((e) => {
      const segments = pointerSegments(e.instancePath);
      return { ...e, data: valueAt(value, segments), parentSchema: this.schemaAt(root, segments) };
    });
    return schemaDiagnostics(errors, { codePrefix: 'schema' }).map((d) =>
      d.code === 'schema-additionalProperties'
        ? { ...d, message: `${d.message}: ${kind} has no such field in Kubernetes ${this.openapi.kubernetes}` }
        : d,
    );
  }

  private validator(key: string): KubeValidator {
    let fn = this.compiled.get(key) ?? this.precompiled[validatorName(key)];
    if (!fn) {
      const name = this.openapi.kinds[key]!;
      this.ajv ??= kubeAjv();
      addReachable(this.ajv, this.openapi, name);
      fn = this.ajv.getSchema(name)!;
    }
    this.compiled.set(key, fn);
    return fn;
  }

  private schema(name: string): Record<string, unknown> | undefined {
    let s = this.converted.get(name);
    if (!s && this.openapi.schemas[name] !== undefined) {
      s = toJsonSchema(this.openapi.schemas[name]) as Record<string, unknown>;
      this.converted.set(name, s);
    }
    return s;
  }

  /** The object schema at a path of the instance, `$ref`s followed. */
  private schemaAt(name: string, segments: readonly (string | number)[]): Record<string, unknown> | undefined {
    let s = this.deref(this.schema(name));
    for (const seg of segments) {
      if (!s) return undefined;
      const props = s.properties as Record<string, unknown> | undefined;
      const next =
        typeof seg === 'number'
          ? s.items
          : (props?.[seg] ?? (isSchema(s.additionalProperties) ? s.additionalProperties : undefined));
      s = this.deref(next);
    }
    return s;
  }

  private deref(node: unknown): Record<string, unknown> | undefined {
    let s = isSchema(node) ? node : undefined;
    for (let hops = 0; s && hops < 8; hops++) {
      if (typeof s.$ref === 'string') s = this.schema(s.$ref);
      else if (Array.isArray(s.allOf) && s.allOf.length === 1 && isSchema(s.allOf[0])) s = s.allOf[0];
      else break;
    }
    return s;
  }
}

const isSchema = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const pointerSegments = (pointer: string): (string | number)[] =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));

function valueAt(value: unknown, segments: readonly (string | number)[]): unknown {
  let v = value;
  for (const seg of segments) v = (v as Record<string | number, unknown> | undefined)?.[seg];
  return v;
}

/** The ajv set-up the validators are compiled with, here and by the build (scripts/compile-kube-validators.mjs). */
export function kubeAjv(opts: { standalone?: boolean } = {}): Ajv {
  return new Ajv({ allErrors: true, strict: false, ...(opts.standalone ? { code: { source: true } } : {}) });
}

/** Registers a schema and those it references (once each): ajv then compiles shared ones once. */
export function addReachable(ajv: Ajv, openapi: KubeOpenApi, name: string): void {
  const pending = [name];
  while (pending.length) {
    const next = pending.pop()!;
    if (ajv.schemas[next]) continue;
    const schema = openapi.schemas[next];
    if (schema === undefined) throw new Error(`kube-openapi ${openapi.kubernetes}: no schema ${next}`);
    const converted = toJsonSchema(schema) as Record<string, unknown>;
    ajv.addSchema({ ...converted, $id: next });
    collectRefs(converted, pending);
  }
}

function collectRefs(node: unknown, into: string[]): void {
  if (Array.isArray(node)) for (const n of node) collectRefs(n, into);
  else if (node !== null && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') into.push(value);
      else collectRefs(value, into);
    }
}

function withoutNullFields(value: unknown): any {
  if (Array.isArray(value)) return value.map(withoutNullFields);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = withoutNullFields(v);
  return out;
}
