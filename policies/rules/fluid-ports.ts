// Hard-coded 19998 where Fluid runs Alluxio: Fluid gives each runtime's master a
// random port, so `alluxio://host:19998` and `alluxio.master.rpc.port=19998` reach
// nothing (or another tenant's master).
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { fluidNeighbour, isWorkloadKind, type KubeObject, type RuleContext, type Rule } from './types.js';
import { walkStrings } from './walk.js';

const FIXED_PORT: readonly RegExp[] = [
  /alluxio:\/\/[^/\s:,]+:19998\b/,
  /alluxio\.master\.(?:rpc\.)?port[=:]\s*19998\b/,
];
const PORT_KEY = /alluxio\.master\.(?:rpc\.)?port$/;

/** Why this object is in Fluid territory, or undefined when it is not. */
function fluidReason(obj: KubeObject, ctx: RuleContext): string | undefined {
  if (ctx.spec.cache === 'fluid') return `policy ${ctx.policy.name} uses Fluid`;
  const fluid = fluidNeighbour(obj, ctx, ['Dataset', 'AlluxioRuntime']);
  if (!fluid) return undefined;
  // A runtime that pins its master port makes 19998 legitimate.
  const pinned =
    fluidNeighbour(obj, ctx, ['AlluxioRuntime'], (o) => Number(o.spec?.master?.ports?.rpc) === 19998) !== undefined;
  const name = fluid.metadata?.name;
  return pinned ? undefined : `${fluid.kind}${name ? ` ${name}` : ''} is in the same input`;
}

export const fluidPortRule: Rule = {
  code: 'fluid-fixed-port',
  description:
    'hard-coded Alluxio master port 19998 where Fluid assigns random ports (policy cache: fluid, or a Fluid Dataset/AlluxioRuntime alongside)',
  appliesTo: isWorkloadKind,
  check(obj, ctx) {
    const reason = fluidReason(obj, ctx);
    if (!reason) return [];
    const out: Diagnostic[] = [];
    walkStrings(obj, (text, path, key) => {
      const fixed =
        FIXED_PORT.some((re) => re.test(text)) ||
        (typeof key === 'string' && PORT_KEY.test(key) && text.trim() === '19998');
      if (!fixed) return;
      out.push(
        diagnostic(
          'error',
          'fluid-fixed-port',
          `hard-coded Alluxio master port 19998, but Fluid assigns the master a random port (${reason})`,
          {
            path: joinPath(path),
            hint: 'read the dataset through its PVC, or drop the host:port and let graphdata inject the master address from the runtime',
          },
        ),
      );
    });
    return out;
  },
};
