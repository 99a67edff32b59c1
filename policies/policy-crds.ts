// The CustomResourceDefinitions of ClusterGraphDataPolicy and GraphDataPolicy, built from
// the same schema that validates policy files, so files and CRs can never disagree.
import { GROUP, type PolicyKind } from './model.js';
import { namespacePolicySpecSchema, policySpecSchema } from './policy-schema.js';

type Schema = Record<string, unknown>;

/**
 * A structural schema as the apiserver wants it: it prunes unknown fields itself (so
 * `additionalProperties: false` is not allowed next to `properties`) and knows no
 * `propertyNames` (an enum of keys becomes a CEL rule instead).
 */
function structural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(structural);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'propertyNames') {
      // A fixed set of map keys (ruleModes) becomes a CEL rule, so the apiserver names a typo itself.
      const allowed = (value as { enum?: string[] }).enum;
      if (allowed) {
        out.maxProperties = allowed.length;
        out['x-kubernetes-validations'] = [
          {
            rule: `self.all(k, k in [${allowed.map((a) => `'${a}'`).join(', ')}])`,
            message: `keys must be rule codes: ${allowed.join(', ')}`,
          },
        ];
      }
      continue;
    }
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, structural(v)]))
        : structural(value);
  }
  return out;
}

const NAMES: Record<
  PolicyKind,
  { plural: string; singular: string; shortNames: string[]; scope: 'Cluster' | 'Namespaced' }
> = {
  ClusterGraphDataPolicy: {
    plural: 'clustergraphdatapolicies',
    singular: 'clustergraphdatapolicy',
    shortNames: ['cgdp'],
    scope: 'Cluster',
  },
  GraphDataPolicy: {
    plural: 'graphdatapolicies',
    singular: 'graphdatapolicy',
    shortNames: ['gdp'],
    scope: 'Namespaced',
  },
};

/** What the webhook writes back (status subresource): the generation it compiled and Ready/Invalid conditions. */
const statusSchema: Schema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: {
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['type', 'status'],
        properties: {
          type: { type: 'string' },
          status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
          reason: { type: 'string' },
          message: { type: 'string' },
          observedGeneration: { type: 'integer', format: 'int64' },
          lastTransitionTime: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
};

export function policyCrd(kind: PolicyKind) {
  const names = NAMES[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${names.plural}.${GROUP}`, labels: { 'app.kubernetes.io/name': 'graphdata' } },
    spec: {
      group: GROUP,
      scope: names.scope,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: names.plural,
        singular: names.singular,
        shortNames: names.shortNames,
        categories: ['graphdata'],
      },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                // A namespace policy has no defaults: what it leaves out, it inherits from the cluster policy.
                spec: structural(kind === 'GraphDataPolicy' ? namespacePolicySpecSchema : policySpecSchema),
                status: statusSchema,
              },
            },
          },
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
            { name: 'Cache', type: 'string', jsonPath: '.spec.cache' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}

export const policyCrds = () => [policyCrd('ClusterGraphDataPolicy'), policyCrd('GraphDataPolicy')];
