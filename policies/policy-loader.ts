// Policy text or object → Policy. Pure: the caller reads the file (parsePolicy) or hands
// over a policy object it read from the cluster (policyFromObject).
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { API_VERSION, POLICY_KINDS, type Policy, type PolicyKind, type PolicySpec, type ProfileSpec } from './model.js';
import { CLUSTER_ONLY_FIELDS, policySpecSchema } from './policy-schema.js';
import { checkSchema } from './schema-check.js';
import { parseYamlSource, type SourceDocument } from './yaml-source.js';

export interface PolicyLoadResult {
  policy?: Policy;
  diagnostics: Diagnostic[];
}

/** Parses a policy file: the first document whose kind is a graphdata policy kind. */
export function parsePolicy(text: string, file = '<policy>'): PolicyLoadResult {
  const parsed = parseYamlSource(text, file);
  if (parsed.diagnostics.length > 0) return { diagnostics: parsed.diagnostics };
  const doc = parsed.documents.find((d) => POLICY_KINDS.includes(kindOf(d.value) as PolicyKind));
  if (!doc) {
    return {
      diagnostics: [
        diagnostic('error', 'policy-missing', `no ${POLICY_KINDS.join(' or ')} document found`, {
          file,
          hint: `start the file with "apiVersion: ${API_VERSION}" and "kind: ClusterGraphDataPolicy"; see \`kubectl graphdata scaffold policy\``,
        }),
      ],
    };
  }
  return policyFromObject(doc.value, { file, source: doc });
}

/** Validates a policy object (from YAML or from the API) and fills schema defaults. */
export function policyFromObject(
  value: unknown,
  opts: { file?: string; source?: SourceDocument } = {},
): PolicyLoadResult {
  const obj = structuredClone(value) as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: Record<string, unknown>;
    spec?: unknown;
  };
  const at = (path: (string | number)[]) => ({
    path: path.join('.'),
    ...(opts.file ? { file: opts.file } : {}),
    ...(opts.source?.position(path) ?? {}),
  });
  const diagnostics: Diagnostic[] = [];
  if (obj.apiVersion !== API_VERSION) {
    diagnostics.push(
      diagnostic('error', 'policy-api-version', `apiVersion must be ${API_VERSION}`, {
        ...at(['apiVersion']),
        hint: `set apiVersion: ${API_VERSION}`,
      }),
    );
  }
  const name = obj.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    diagnostics.push(
      diagnostic('error', 'policy-name', 'metadata.name is required', {
        ...at(['metadata']),
        hint: 'name the policy, e.g. metadata.name: default',
      }),
    );
  }
  const spec = (obj.spec ?? {}) as Record<string, unknown>;
  diagnostics.push(...checkSchema(policySpecSchema, spec, { basePath: ['spec'], codePrefix: 'policy', ...opts }));
  // The platform's tightenings and pod-level opt-in live where tenants cannot write: in the cluster policy.
  if (obj.kind === 'GraphDataPolicy') {
    for (const field of CLUSTER_ONLY_FIELDS) {
      if (spec[field] === undefined) continue;
      diagnostics.push(
        diagnostic(
          'error',
          field === 'namespaceOverrides' ? 'policy-namespace-overrides' : 'policy-cluster-only',
          `${field} is a ClusterGraphDataPolicy field`,
          {
            ...at(['spec', field]),
            hint:
              field === 'namespaceOverrides'
                ? 'remove it; a GraphDataPolicy tightens its own namespace with mode, ruleModes and limits'
                : 'remove it; only the platform decides where pods may opt in by their own label',
          },
        ),
      );
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };

  const { profiles, ...rest } = spec as Record<string, unknown> & { profiles: Record<string, ProfileSpec> };
  const generation = Number(obj.metadata?.generation ?? 1);
  const policy: Policy = {
    kind: obj.kind as PolicyKind,
    name: name as string,
    generation: Number.isInteger(generation) && generation > 0 ? generation : 1,
    spec: rest as unknown as PolicySpec,
    profiles,
  };
  const namespace = obj.metadata?.namespace;
  if (typeof namespace === 'string') policy.namespace = namespace;
  return { policy, diagnostics };
}

const kindOf = (v: unknown): unknown =>
  typeof v === 'object' && v !== null ? (v as { kind?: unknown }).kind : undefined;
