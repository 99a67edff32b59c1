// Policy test suites (`graphdata-test.yaml`): which policy files, which resource files,
// and what admission must do to each resource. Read with positions, so every mistake
// in a suite is reported with its file, line and field path.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PolicyFileError, loadPolicyFile } from '../../../common/policy-file.js';
import { diagnostic, joinPath, type Diagnostic, type Segments } from '../../../policies/diagnostics.js';
import { type RuntimeLookup, runtimeLookupFromDocuments } from '../../../policies/fluid-runtime.js';
import { isList } from '../../../policies/k8s.js';
import { selfConflicts } from '../../../policies/policy-self-check.js';
import { policySelfFindings } from '../../cli/policy-self-findings.js';
import {
  applyNamespaceOverrides,
  checkLayering,
  effectivePolicy,
  namespacePolicyFromObject,
  type NamespacePolicy,
} from '../../../policies/layering.js';
import { LABEL_INJECT, type Policy } from '../../../policies/model.js';
import { checkSchema } from '../../../policies/schema-check.js';
import { closest } from '../../../policies/suggest.js';
import { parseYamlSource, type SourceDocument } from '../../../policies/yaml-source.js';
import type { Operation, PodSubresource, VerdictName } from './admit.js';
import { VALIDATED_POD_SUBRESOURCES } from '../../../common/cluster-names.js';

export const SUITE_FILE = 'graphdata-test.yaml';
export const SUITE_API_VERSION = 'cli.graphdata.io/v1alpha1';
export const SUITE_KIND = 'PolicyTest';

/**
 * What the apiserver tells the webhook about a namespace: opted in unless the suite's
 * namespaceLabels give it another graphdata.io/inject value (then pods may opt in by
 * their own label, where the cluster policy's spec.podOptIn allows it).
 */
export const namespaceLabelsFor = (
  namespace: string,
  given: Record<string, Record<string, string>>,
): Record<string, string> => ({
  'kubernetes.io/metadata.name': namespace,
  [LABEL_INJECT]: 'enabled',
  ...given[namespace],
});

const str = { type: 'string', minLength: 1 };
/** KIND/NAME, as `resource` and `oldResource` name an object of the resource files. */
const RESOURCE_PATTERN = '^[A-Za-z][A-Za-z0-9]*/[^/\\s]+$';
const suiteSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'resources', 'results'],
  properties: {
    apiVersion: { type: 'string', enum: [SUITE_API_VERSION] },
    kind: { type: 'string', enum: [SUITE_KIND] },
    metadata: { type: 'object', properties: { name: str }, additionalProperties: true },
    policies: { type: 'array', items: str },
    resources: { type: 'array', minItems: 1, items: str },
    namespaceLabels: {
      type: 'object',
      additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    },
    results: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['resource'],
        properties: {
          resource: { type: 'string', pattern: RESOURCE_PATTERN },
          operation: { type: 'string', enum: ['CREATE', 'UPDATE'] },
          oldResource: { type: 'string', pattern: RESOURCE_PATTERN },
          subresource: { type: 'string', enum: [...VALIDATED_POD_SUBRESOURCES] },
          namespace: str,
          policy: str,
          mutatingWebhookDown: { type: 'boolean' },
          verdict: { type: 'string', enum: ['allow', 'warn', 'deny'] },
          message: str,
          injected: { type: 'object' },
          patchedResource: str,
        },
      },
    },
  },
};

interface SuiteDocument {
  metadata?: { name?: string };
  policies?: string[];
  resources: string[];
  namespaceLabels?: Record<string, Record<string, string>>;
  results: {
    resource: string;
    operation?: Operation;
    oldResource?: string;
    subresource?: PodSubresource;
    namespace?: string;
    policy?: string;
    mutatingWebhookDown?: boolean;
    verdict?: VerdictName;
    message?: string;
    injected?: Record<string, unknown>;
    patchedResource?: string;
  }[];
}

/** One expected result, resolved: the object it names and the policy it runs under. */
export interface Expectation {
  index: number;
  /** `Pod/wordcount-exec-1` as written. */
  resource: string;
  namespace: string;
  /** The object names no namespace and the result none either (a Namespace, a ClusterRole). */
  clusterScoped: boolean;
  object: Record<string, unknown>;
  /** CREATE unless the result says UPDATE. */
  operation: Operation;
  /** On UPDATE: the stored object (`oldResource`). */
  oldObject?: Record<string, unknown>;
  oldResource?: string;
  /** On UPDATE of a pod: the subresource written (`subresource`). */
  subresource?: PodSubresource;
  policy: Policy;
  /** The cluster policy it was made from: where pods may opt in by their own label. */
  clusterPolicy: Policy;
  /** How the policy is made, for the report: `ClusterGraphDataPolicy/c + GraphDataPolicy/team-a`. */
  policyName: string;
  mutatingWebhookDown: boolean;
  verdict?: VerdictName;
  message?: string;
  injected?: Record<string, unknown>;
  /** The expected patched resource, read from its file. */
  patched?: { file: string; value: unknown };
}

export interface Suite {
  file: string;
  name: string;
  namespaceLabels: Record<string, Record<string, string>>;
  /** Fluid mode: the AlluxioRuntimes (and Datasets) among the resources, as the webhook's informers would hold them. */
  runtimes?: RuntimeLookup;
  expectations: Expectation[];
  /** Errors that make the suite unusable: nothing of it runs. */
  diagnostics: Diagnostic[];
  /** Warnings that do not stop it: a policy whose own limits refuse what it injects. */
  warnings: Diagnostic[];
}

/** Every suite file under `path` (a directory searched recursively, or a suite file), sorted. */
export function findSuites(path: string): string[] {
  const stat = statSync(path);
  if (!stat.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : findSuites(child);
      return entry.name === SUITE_FILE ? [child] : [];
    });
}

const readText = (file: string): string | Error => {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return new Error(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error));
  }
};

interface Located {
  object: Record<string, unknown>;
  file: string;
}

/** Objects of a resource file, List items in their place. */
function objectsOf(value: unknown): Record<string, unknown>[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  if (isList(value)) return value.items.flatMap(objectsOf);
  return [value as Record<string, unknown>];
}

const nameOf = (o: Record<string, unknown>): string | undefined =>
  (o.metadata as { name?: unknown } | undefined)?.name as string | undefined;
const namespaceOf = (o: Record<string, unknown>): string | undefined =>
  (o.metadata as { namespace?: unknown } | undefined)?.namespace as string | undefined;

export async function loadSuite(file: string): Promise<Suite> {
  const dir = dirname(file);
  const suite: Suite = {
    file,
    name: relative('.', dir) || '.',
    namespaceLabels: {},
    expectations: [],
    diagnostics: [],
    warnings: [],
  };
  const fail = (d: Diagnostic[]): Suite => ({ ...suite, diagnostics: [...suite.diagnostics, ...d] });
  const text = readText(file);
  if (text instanceof Error) return fail([diagnostic('error', 'suite-unreadable', text.message, { file })]);
  const parsed = parseYamlSource(text, file);
  if (parsed.diagnostics.length) return fail(parsed.diagnostics);
  const doc = parsed.documents.find((d) => d.value !== null);
  if (!doc || parsed.documents.filter((d) => d.value !== null).length > 1)
    return fail([
      diagnostic('error', 'suite-documents', `a suite file holds exactly one ${SUITE_KIND} document`, {
        file,
        hint: `start it with apiVersion: ${SUITE_API_VERSION} and kind: ${SUITE_KIND}`,
      }),
    ]);
  const schema = checkSchema(suiteSchema, doc.value, { source: doc, file, codePrefix: 'suite' });
  if (schema.length) return fail(schema);
  const value = doc.value as SuiteDocument;
  if (value.metadata?.name) suite.name = value.metadata.name;
  suite.namespaceLabels = value.namespaceLabels ?? {};

  const at = (path: Segments, code: string, message: string, hint?: string, extra: Diagnostic[] = []): Diagnostic[] => [
    diagnostic('error', code, message, {
      file,
      path: joinPath(path),
      ...(doc.position(path) ?? {}),
      ...(hint ? { hint } : {}),
    }),
    ...extra,
  ];
  const problems: Diagnostic[] = [];

  // Policies: cluster policies through the loader --policy uses (none: the built-in policy);
  // a GraphDataPolicy is laid over the cluster policy in its namespace, as the cluster does.
  const policies: Policy[] = [];
  const namespaced = new Map<string, { policy: NamespacePolicy; index: number }>();
  for (const [i, name] of (value.policies ?? []).entries()) {
    const loaded = await loadSuitePolicy(resolve(dir, name), join(dir, name));
    if ('diagnostics' in loaded) {
      problems.push(
        ...at(['policies', i], 'suite-policy', `policy ${name} cannot be used`, undefined, loaded.diagnostics),
      );
    } else if ('namespaced' in loaded) {
      const other = namespaced.get(loaded.namespaced.namespace);
      if (other)
        problems.push(
          ...at(
            ['policies', i],
            'suite-policy-namespace',
            `two GraphDataPolicies for namespace ${loaded.namespaced.namespace} (${other.policy.name}, ${loaded.namespaced.name})`,
            'a namespace has one GraphDataPolicy in effect: keep one per suite',
          ),
        );
      else namespaced.set(loaded.namespaced.namespace, { policy: loaded.namespaced, index: i });
    } else policies.push(loaded.policy);
  }
  if (policies.length === 0) policies.push(await loadPolicyFile());
  suite.warnings.push(...policyWarnings(dir, value.policies ?? [], policies, namespaced));

  // Resources: every object of every file, by KIND/NAME.
  const byKey = new Map<string, Located[]>();
  for (const [i, name] of value.resources.entries()) {
    const path = resolve(dir, name);
    const content = readText(path);
    if (content instanceof Error) {
      problems.push(...at(['resources', i], 'suite-resource', `resource file ${name}: ${content.message}`));
      continue;
    }
    const source = parseYamlSource(content, join(dir, name));
    if (source.diagnostics.length) {
      problems.push(
        ...at(
          ['resources', i],
          'suite-resource',
          `resource file ${name} is not valid YAML`,
          undefined,
          source.diagnostics,
        ),
      );
      continue;
    }
    for (const d of source.documents)
      for (const object of objectsOf(d.value)) {
        const key = `${String(object.kind)}/${nameOf(object) ?? ''}`;
        byKey.set(key, [...(byKey.get(key) ?? []), { object, file: join(dir, name) }]);
      }
  }
  if (problems.length) return fail(problems);
  suite.runtimes = runtimeLookupFromDocuments([...byKey.values()].flatMap((located) => located.map((l) => l.object)));

  for (const [i, r] of value.results.entries()) {
    const here = (field: string | undefined, code: string, message: string, hint?: string, extra?: Diagnostic[]) =>
      problems.push(...at(field ? ['results', i, field] : ['results', i], code, message, hint, extra));
    if (r.verdict === undefined && r.injected === undefined && r.patchedResource === undefined) {
      here(undefined, 'suite-result-empty', 'a result expects nothing', 'add verdict, injected or patchedResource');
      continue;
    }
    if (r.message !== undefined && r.verdict !== 'deny' && r.verdict !== 'warn') {
      here(
        'message',
        'suite-message-verdict',
        'message is looked for in a denial or a warning',
        'add verdict: deny or verdict: warn',
      );
      continue;
    }
    // The resource (and on UPDATE the stored one), each one object of the resource files.
    const lookUp = (field: 'resource' | 'oldResource', key: string): Record<string, unknown> | undefined => {
      const candidates = (byKey.get(key) ?? []).filter(
        (c) => r.namespace === undefined || (namespaceOf(c.object) ?? r.namespace) === r.namespace,
      );
      if (candidates.length === 1) return candidates[0]!.object;
      const known = [...byKey.keys()];
      const guess = closest(key, known);
      if (candidates.length === 0)
        here(
          field,
          'suite-resource-unknown',
          `no ${key}${r.namespace ? ` in namespace ${r.namespace}` : ''} in the resource files`,
          guess ? `did you mean ${guess}?` : `the resource files hold: ${known.join(', ') || 'nothing'}`,
        );
      else
        here(
          field,
          'suite-resource-ambiguous',
          `${key} is in several namespaces (${candidates.map((c) => namespaceOf(c.object) ?? '(none)').join(', ')})`,
          'add namespace: NAME to the result',
        );
      return undefined;
    };
    const operation = r.operation ?? 'CREATE';
    if (operation === 'UPDATE' && r.oldResource === undefined) {
      here(
        'operation',
        'suite-update-old-resource',
        'an UPDATE is judged against the stored object: name it',
        'add oldResource: KIND/NAME (an object of the resource files; it may be the resource itself)',
      );
      continue;
    }
    if (operation === 'CREATE' && r.oldResource !== undefined) {
      here('oldResource', 'suite-update-old-resource', 'oldResource is read on UPDATE only', 'add operation: UPDATE');
      continue;
    }
    if (r.subresource !== undefined && operation !== 'UPDATE') {
      here(
        'subresource',
        'suite-update-old-resource',
        'a subresource is written at UPDATE only',
        'add operation: UPDATE',
      );
      continue;
    }
    const object = lookUp('resource', r.resource);
    if (!object) continue;
    if (r.subresource !== undefined && (object.kind !== 'Pod' || object.apiVersion !== 'v1')) {
      here(
        'subresource',
        'suite-update-old-resource',
        `${r.resource} is not a v1 Pod: only pods have the subresource ${r.subresource}`,
        'remove subresource, or name a Pod',
      );
      continue;
    }
    let oldObject: Record<string, unknown> | undefined;
    if (r.oldResource !== undefined) {
      oldObject = lookUp('oldResource', r.oldResource);
      if (!oldObject) continue;
      if (oldObject.kind !== object.kind || oldObject.apiVersion !== object.apiVersion) {
        here(
          'oldResource',
          'suite-update-old-resource',
          `${r.oldResource} is not a ${String(object.apiVersion)} ${String(object.kind)}: an UPDATE keeps the kind`,
          `name a ${String(object.kind)} of the resource files`,
        );
        continue;
      }
    }
    // The policy.
    let policy: Policy | undefined;
    if (r.policy !== undefined) {
      policy = policies.find((p) => p.name === r.policy);
      if (!policy)
        here(
          'policy',
          'suite-policy-unknown',
          `no policy named ${r.policy} in policies`,
          `use one of: ${policies.map((p) => p.name).join(', ')}`,
        );
    } else if (policies.length > 1) {
      here(
        undefined,
        'suite-policy-ambiguous',
        'the suite has several policies; say which one this result runs under',
        `add policy: one of ${policies.map((p) => p.name).join(', ')}`,
      );
    } else policy = policies[0];
    if (!policy) continue;
    // spec.podOptIn is the cluster policy's alone, as the webhook reads it.
    const clusterPolicy = policy;
    let policyName = `${policy.kind}/${policy.name}`;
    const admittedIn = namespaceOf(object) ?? r.namespace ?? 'default';
    // The cluster policy's namespaceOverrides selecting the namespace by its labels, as the webhook applies them.
    policy = applyNamespaceOverrides(policy, namespaceLabelsFor(admittedIn, suite.namespaceLabels)).policy;
    if (policy.overrides?.length) policyName += ` with namespaceOverrides ${policy.overrides.join(', ')}`;
    const layer = namespaced.get(admittedIn);
    if (layer) {
      // A loosening namespace policy is rejected when it is created: it never applies.
      const loosens = checkLayering(policy, layer.policy).map((d) => ({
        ...d,
        file: join(dir, value.policies![layer.index]!),
      }));
      if (loosens.length) {
        here(
          undefined,
          'suite-policy-loosens',
          `GraphDataPolicy ${layer.policy.name} would loosen ${policy.kind} ${policy.name}: the cluster rejects it`,
          'tighten it, or test that the cluster policy rejects it (as a resource with verdict: deny)',
          loosens,
        );
        continue;
      }
      policyName = `${policyName} + GraphDataPolicy/${layer.policy.name}`;
      policy = effectivePolicy(policy, layer.policy);
    }
    // The expected patched resource.
    let patched: Expectation['patched'];
    if (r.patchedResource !== undefined) {
      const patchedFile = join(dir, r.patchedResource);
      const expected = readPatched(patchedFile, object);
      if ('diagnostics' in expected) {
        here(
          'patchedResource',
          'suite-patched-resource',
          `patchedResource ${r.patchedResource} cannot be used`,
          undefined,
          expected.diagnostics,
        );
        continue;
      }
      if (expected.value === undefined) {
        here(
          'patchedResource',
          'suite-patched-resource',
          `${r.patchedResource} holds no ${r.resource}`,
          `write the patched ${r.resource} there (kubectl graphdata inject -f prints it)`,
        );
        continue;
      }
      patched = { file: patchedFile, value: expected.value };
    }
    suite.expectations.push({
      index: i,
      resource: r.resource,
      namespace: admittedIn,
      clusterScoped: namespaceOf(object) === undefined && r.namespace === undefined,
      object,
      operation,
      ...(oldObject ? { oldObject, oldResource: r.oldResource! } : {}),
      ...(r.subresource ? { subresource: r.subresource } : {}),
      policy,
      clusterPolicy,
      policyName,
      mutatingWebhookDown: r.mutatingWebhookDown ?? false,
      ...(r.verdict ? { verdict: r.verdict } : {}),
      ...(r.message ? { message: r.message } : {}),
      ...(r.injected ? { injected: r.injected } : {}),
      ...(patched ? { patched } : {}),
    });
  }
  return problems.length ? fail(problems) : suite;
}

/** A suite's policy file: a cluster policy (defaults filled), or a GraphDataPolicy as written (it inherits the rest). */
async function loadSuitePolicy(
  path: string,
  shown: string,
): Promise<{ policy: Policy } | { namespaced: NamespacePolicy } | { diagnostics: Diagnostic[] }> {
  const text = readText(path);
  if (text instanceof Error)
    return { diagnostics: [diagnostic('error', 'policy-unreadable', text.message, { file: shown })] };
  const parsed = parseYamlSource(text, shown);
  const doc = parsed.documents.find((d) => (d.value as { kind?: unknown } | null)?.kind === 'GraphDataPolicy');
  if (parsed.diagnostics.length === 0 && doc) {
    const { policy, diagnostics } = namespacePolicyFromObject(doc.value, { file: shown, source: doc });
    if (!policy) return { diagnostics };
    return { namespaced: policy };
  }
  try {
    return { policy: await loadPolicyFile(path) };
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    return { diagnostics: error.diagnostics };
  }
}

/** The expected patched object: the document with the resource's kind and name, or the file's only object. */
function readPatched(
  file: string,
  resource: Record<string, unknown>,
): { value: Record<string, unknown> | undefined } | { diagnostics: Diagnostic[] } {
  const text = readText(file);
  if (text instanceof Error) return { diagnostics: [diagnostic('error', 'suite-unreadable', text.message, { file })] };
  const parsed = parseYamlSource(text, file);
  if (parsed.diagnostics.length) return { diagnostics: parsed.diagnostics };
  const objects = parsed.documents.flatMap((d: SourceDocument) => objectsOf(d.value));
  const same = objects.find((o) => o.kind === resource.kind && nameOf(o) === nameOf(resource));
  return { value: same ?? (objects.length === 1 ? objects[0] : undefined) };
}

/** Each cluster policy of the suite, and each namespace policy over the first, checked against its own limits. */
function policyWarnings(
  dir: string,
  names: readonly string[],
  policies: readonly Policy[],
  namespaced: ReadonlyMap<string, { policy: NamespacePolicy; index: number }>,
): Diagnostic[] {
  const clusterFiles = names.filter((_, i) => ![...namespaced.values()].some((n) => n.index === i));
  const out = policies.flatMap((p, i) =>
    clusterFiles[i] !== undefined ? policySelfFindings(join(dir, clusterFiles[i]), p) : selfConflicts(p),
  );
  for (const { policy, index } of namespaced.values())
    out.push(
      ...selfConflicts({ ...effectivePolicy(policies[0]!, policy), profiles: {} }).map((d) => ({
        ...d,
        file: join(dir, names[index]!),
        message: d.message.replace(/^this policy injects/, `in ${policy.namespace}, the cluster policy injects`),
        path: 'spec.limits.allowedRegistries',
      })),
    );
  return out;
}
