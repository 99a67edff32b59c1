// Hard-coded 19998 where Fluid runs Alluxio: Fluid gives each runtime's master a
// random port, so `alluxio://host:19998` and `alluxio.master.rpc.port=19998` reach
// nothing (or another tenant's master). A URL naming the policy's own Alluxio master
// (cache: alluxio) is not a Fluid address: a job may read the shared cluster while a
// Fluid dataset sits in the same namespace.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { fluidNeighbour, isWorkloadKind, type KubeObject, type RuleContext, type Rule } from './types.js';
import { walkStrings } from './walk.js';

const FIXED_PORT: readonly RegExp[] = [
  /alluxio:\/\/[^/\s:,]+:19998\b/,
  /alluxio\.master\.(?:rpc\.)?port[=:]\s*19998\b/,
];
const PORT_KEY = /alluxio\.master\.(?:rpc\.)?port$/;
const URL_AUTHORITY = /alluxio:\/\/([^/\s:,]+:19998)\b/g;

/** `host:port` of the masters the policy points clients at (only when it is not in Fluid mode). */
function policyMasters(ctx: RuleContext): Set<string> {
  if (ctx.spec.cache === 'fluid') return new Set();
  const { hostname, rpcPort, addresses } = ctx.spec.alluxio.master;
  return new Set(addresses?.length ? addresses : [`${hostname}:${rpcPort}`]);
}

/** Every 19998 in the text is an `alluxio://` URL of the policy's own master. */
function onlyPolicyMasters(text: string, masters: Set<string>): boolean {
  if (!masters.size || FIXED_PORT[1]!.test(text)) return false;
  const authorities = [...text.matchAll(URL_AUTHORITY)].map((m) => m[1]!);
  return authorities.length > 0 && authorities.every((a) => masters.has(a));
}

/** Why this object is in Fluid territory, or undefined when it is not. */
function fluidReason(obj: KubeObject, ctx: RuleContext): { reason: string; dataset?: string } | undefined {
  if (ctx.spec.cache === 'fluid') return { reason: `policy ${ctx.policy.name} uses Fluid` };
  const fluid = fluidNeighbour(obj, ctx, ['Dataset', 'AlluxioRuntime']);
  if (!fluid) return undefined;
  // A runtime that pins its master port makes 19998 legitimate.
  const pinned =
    fluidNeighbour(obj, ctx, ['AlluxioRuntime'], (o) => Number(o.spec?.master?.ports?.rpc) === 19998) !== undefined;
  const name = fluid.metadata?.name;
  if (pinned) return undefined;
  return {
    reason: `${fluid.kind}${name ? ` ${name}` : ''} is in the same input`,
    ...(fluid.kind === 'Dataset' && name ? { dataset: name } : {}),
  };
}

const PIN = "pin the runtime's port with AlluxioRuntime spec.master.ports.rpc: 19998";

/** What graphdata offers instead: in Fluid mode it fills in the runtime's master itself (policies/fluid-runtime.ts). */
function fluidHint(fluidPolicy: boolean, dataset: string | undefined): string {
  const name = dataset ?? 'NAME';
  if (fluidPolicy)
    return `drop the hard-coded address and annotate the pod with graphdata.io/dataset: ${name}: graphdata then sets the master to that AlluxioRuntime's (${name}-master-0.<namespace> and the port Fluid reports); or ${PIN}`;
  return `mount the dataset's PVC (claimName: ${dataset ?? 'the Dataset name'}) and read its files there, or ${PIN}, or use a cache: fluid policy and annotate the pod with graphdata.io/dataset: ${name} so graphdata sets the runtime's master`;
}

export const fluidPortRule: Rule = {
  code: 'fluid-fixed-port',
  description:
    'hard-coded Alluxio master port 19998 where Fluid assigns random ports (policy cache: fluid, or a Fluid Dataset/AlluxioRuntime alongside)',
  appliesTo: isWorkloadKind,
  check(obj, ctx) {
    const fluid = fluidReason(obj, ctx);
    if (!fluid) return [];
    const masters = policyMasters(ctx);
    const out: Diagnostic[] = [];
    walkStrings(obj, (text, path, key) => {
      const fixed =
        FIXED_PORT.some((re) => re.test(text)) ||
        (typeof key === 'string' && PORT_KEY.test(key) && text.trim() === '19998');
      if (!fixed || onlyPolicyMasters(text, masters)) return;
      out.push(
        diagnostic(
          'error',
          'fluid-fixed-port',
          `hard-coded Alluxio master port 19998, but Fluid assigns the master a random port (${fluid.reason})`,
          {
            path: joinPath(path),
            hint: fluidHint(ctx.spec.cache === 'fluid', fluid.dataset),
          },
        ),
      );
    });
    return out;
  },
};
