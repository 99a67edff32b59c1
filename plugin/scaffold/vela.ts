// KubeVela (OAM) definitions graphdata ships: the `graphdata` TraitDefinition, which only
// labels and annotates the pods a component renders (the webhook injects, under policy),
// and ComponentDefinitions for a Spark job, a StarRocks CN group and a GraphScope engine.
// `scaffold vela-definitions` prints them; `scaffold vela-app` an Application using them.
// The templates themselves are policies/vela/shipped-templates.ts (validate renders them too).
import { ANNOTATION_DATASET, ANNOTATION_PROFILE, LABEL_INJECT, type Policy } from '../../policies/model.js';
import {
  COMPONENT_TYPES,
  graphscopeTemplate,
  SPARK_VERSION,
  sparkTemplate,
  starrocksTemplate,
  TRAIT_NAME,
  traitTemplate,
  type VelaComponentKind,
} from '../../policies/vela/shipped-templates.js';
import { UserError } from '../cli/base.js';
import { GRAPHSCOPE_VERSION } from './graphscope/manifests.js';
import { CN_IMAGE, FE_IMAGE } from './starrocks.js';
import type { Manifest, ScaffoldResult } from './types.js';

const OAM = 'core.oam.dev/v1beta1';

export interface VelaDefinitionOptions {
  /** Registry the default images come from (a mirror); default: the policy's docker.io mirror, else none. */
  registry?: string | undefined;
  /** The trait's default profile; must be one of the policy's. */
  profile?: string | undefined;
}

/** Where the policy sends docker.io images: its mirror for docker.io, if it has one. */
const policyRegistry = (policy: Policy): string | undefined =>
  policy.spec.images.mirrors.find((m) => m.from === 'docker.io' || m.from === 'index.docker.io')?.to;

const withRegistry = (registry: string | undefined, image: string) =>
  registry ? `${registry.replace(/\/+$/, '')}/${image}` : image;

/** The definitions, as `scaffold vela-definitions` prints them. */
export function velaDefinitions(policy: Policy, opts: VelaDefinitionOptions = {}): ScaffoldResult {
  if (opts.profile !== undefined && !Object.hasOwn(policy.profiles, opts.profile))
    throw new UserError(
      `--profile ${opts.profile} is not a profile of the policy`,
      `the policy has ${Object.keys(policy.profiles).join(', ') || 'no profiles'}; add it there first, or drop --profile`,
      2,
    );
  const registry = opts.registry ?? policyRegistry(policy);
  const def = (kind: 'ComponentDefinition' | 'TraitDefinition', name: string, description: string, spec: object) =>
    ({
      apiVersion: OAM,
      kind,
      metadata: {
        name,
        annotations: { 'definition.oam.dev/description': description },
        labels: { 'app.kubernetes.io/name': 'graphdata' },
      },
      spec,
    }) as Manifest;
  const component = (type: string, description: string, apiVersion: string, kind: string, template: string) =>
    def('ComponentDefinition', type, description, {
      workload: { definition: { apiVersion, kind } },
      schematic: { cue: { template } },
    });
  const objects = [
    def(
      'TraitDefinition',
      TRAIT_NAME,
      "Opts the component's pods in to graphdata's data cache injection (labels and annotations only)",
      {
        appliesToWorkloads: ['*'],
        podDisruptive: true,
        schematic: { cue: { template: traitTemplate(opts.profile) } },
      },
    ),
    component(
      COMPONENT_TYPES.spark,
      'A Spark job on Kubernetes (a SparkApplication of the Spark operator)',
      'sparkoperator.k8s.io/v1beta2',
      'SparkApplication',
      sparkTemplate(withRegistry(registry, `apache/spark:${SPARK_VERSION}`)),
    ),
    component(
      COMPONENT_TYPES['starrocks-cn'],
      'A StarRocks compute node (CN) group, with the FE its nodes register with (a StarRocksCluster)',
      'starrocks.com/v1',
      'StarRocksCluster',
      starrocksTemplate(withRegistry(registry, CN_IMAGE), withRegistry(registry, FE_IMAGE)),
    ),
    component(
      COMPONENT_TYPES.graphscope,
      'A GraphScope analytical engine (a StatefulSet of engine workers)',
      'apps/v1',
      'StatefulSet',
      graphscopeTemplate(
        withRegistry(registry ?? 'registry.cn-hongkong.aliyuncs.com', `graphscope/analytical:${GRAPHSCOPE_VERSION}`),
      ),
    ),
  ];
  return {
    objects,
    notes: [
      `KubeVela definitions: trait ${TRAIT_NAME}, components ${Object.values(COMPONENT_TYPES).join(', ')}`,
      registry
        ? `default images come from ${registry}`
        : 'default images come from Docker Hub (no --registry, and the policy mirrors none)',
      `the trait writes only ${LABEL_INJECT}, ${ANNOTATION_PROFILE} and ${ANNOTATION_DATASET}; the webhook injects where the namespace is opted in or the cluster policy's spec.podOptIn allows pod-level opt-in`,
      'templates are plain CUE unification (no patchKey/patchStrategy)',
    ],
  };
}

export interface VelaAppOptions {
  type?: string | undefined;
  mainFile?: string | undefined;
  mainClass?: string | undefined;
  args?: string[] | undefined;
  image?: string | undefined;
  profile?: string | undefined;
  dataset?: string | undefined;
  executors?: number | undefined;
}

/** An Application with one component of a shipped type and the graphdata trait. */
export function velaApp(target: { name: string; namespace: string }, flags: VelaAppOptions): ScaffoldResult {
  const kind = (flags.type ?? '') as VelaComponentKind;
  if (!Object.hasOwn(COMPONENT_TYPES, kind))
    throw new UserError(
      flags.type === undefined ? '--type is required' : `--type ${flags.type} is not one graphdata ships`,
      `use --type ${Object.keys(COMPONENT_TYPES).join(', --type ')}`,
      2,
    );
  const properties: Record<string, unknown> = {};
  if (flags.image) properties.image = flags.image;
  if (kind === 'spark') {
    if (!flags.mainFile)
      throw new UserError(
        '--main-file is required for --type spark',
        'e.g. --main-file local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar',
        2,
      );
    properties.mainFile = flags.mainFile;
    if (flags.mainClass) properties.mainClass = flags.mainClass;
    if (flags.args?.length) properties.args = flags.args;
    if (flags.executors) properties.executor = { instances: flags.executors };
  } else if (flags.mainFile || flags.mainClass || flags.args?.length || flags.executors) {
    throw new UserError(
      '--main-file, --main-class, --arg and --executors are for --type spark',
      `drop them for --type ${kind}`,
      2,
    );
  }
  const trait: Record<string, unknown> = {};
  if (flags.profile) trait.profile = flags.profile;
  if (flags.dataset) trait.dataset = flags.dataset;
  return {
    objects: [
      {
        apiVersion: OAM,
        kind: 'Application',
        metadata: { name: target.name, namespace: target.namespace },
        spec: {
          components: [
            {
              name: target.name,
              type: COMPONENT_TYPES[kind],
              properties,
              traits: [{ type: TRAIT_NAME, properties: trait }],
            },
          ],
        },
      },
    ],
    notes: [
      `uses the definitions of \`kubectl graphdata scaffold vela-definitions\` (component ${COMPONENT_TYPES[kind]}, trait ${TRAIT_NAME})`,
      `its pods are injected where ${target.namespace} is opted in, or where the cluster policy allows pod-level opt-in (\`kubectl graphdata enable -n ${target.namespace} --pod-level\` tells)`,
    ],
  };
}
