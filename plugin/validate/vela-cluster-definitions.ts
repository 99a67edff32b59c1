// `validate --server`: the KubeVela ComponentDefinitions and TraitDefinitions an
// Application can use, read from the cluster where KubeVela looks for them: the
// Application's namespace, then `vela-system`.
import { isList } from '../../policies/k8s.js';
import { isApplication, type VelaDefinition, velaDefinition } from '../../policies/vela/application.js';
import { parseYamlSource } from '../../policies/yaml-source.js';
import type { InputFile } from '../documents/input.js';
import { UserError } from '../cli/base.js';
import { httpStatusOf, loadKubeConfig, type KubeFlags, serverOf } from '../kube/kubeconfig.js';
import { type ClusterDefinitions, VELA_SYSTEM } from './vela-applications.js';
const PLURALS = ['componentdefinitions', 'traitdefinitions'] as const;

/** Does any input hold a KubeVela Application? A cheap look first: most runs have none. */
export function namesApplications(inputs: readonly InputFile[]): boolean {
  return inputs.some((i) => i.text.includes('core.oam.dev') && /\bApplication\b/.test(i.text));
}

/**
 * The definitions of vela-system and of each Application's namespace (its own, else -n,
 * else the context's). Throws a UserError naming the RBAC it lacks when denied.
 */
export async function readClusterDefinitions(
  inputs: readonly InputFile[],
  flags: KubeFlags,
): Promise<ClusterDefinitions> {
  const { k8s, kc, namespace: fallback } = await loadKubeConfig(flags);
  const namespaces = inputs.flatMap((input) =>
    // A List's items too, as validate checks them (vela-applications.ts).
    parseYamlSource(input.text, input.file).documents.flatMap((d) =>
      (isList(d.value) ? d.value.items : [d.value]).flatMap((value) => {
        if (!isApplication(value)) return [];
        const ns = (value.metadata as { namespace?: unknown } | undefined)?.namespace;
        return [typeof ns === 'string' && ns ? ns : fallback];
      }),
    ),
  );
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const where = [VELA_SYSTEM, ...new Set(namespaces.filter((n) => n !== VELA_SYSTEM))];
  const byNamespace = new Map<string, VelaDefinition[]>();
  let crds = true;
  for (const namespace of where) {
    const found: VelaDefinition[] = [];
    for (const plural of PLURALS) {
      let items: unknown[];
      try {
        const list = (await api.listNamespacedCustomObject({
          group: 'core.oam.dev',
          version: 'v1beta1',
          namespace,
          plural,
        })) as { items?: unknown[] };
        items = Array.isArray(list.items) ? list.items : [];
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) {
          crds = false; // KubeVela's CRDs are not installed: no definitions anywhere
          continue;
        }
        if (status === 403)
          throw new UserError(
            `cannot list ${plural}.core.oam.dev in namespace ${namespace} (forbidden) on ${serverOf(kc)}`,
            `reading KubeVela definitions needs RBAC get and list on componentdefinitions and traitdefinitions (API group core.oam.dev) in ${where.join(' and ')}; or pass the definitions with -f defs.yaml instead of --server`,
          );
        throw error;
      }
      for (const item of items) {
        const def = velaDefinition(item as Record<string, unknown>, `cluster, namespace ${namespace}`);
        if (def) found.push(def);
      }
    }
    byNamespace.set(namespace, found);
  }
  return {
    byNamespace,
    from: crds ? `the cluster (${where.join(', ')})` : "the cluster (KubeVela's CRDs are not installed)",
  };
}
