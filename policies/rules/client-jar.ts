// Client jar version: a client built for another Alluxio release than the workers
// fails at run time with RPC or protocol errors, long after admission.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { fluidNeighbour, isWorkloadKind, modeSeverity, type KubeObject, type RuleContext, type Rule } from './types.js';
import { walkStrings } from './walk.js';

// alluxio-2.9.3-client.jar, alluxio-shaded-client-2.9.3.jar, org.alluxio:alluxio-shaded-client:2.9.3
// The runs between are bounded: unbounded, each `alluxio-X.Y.Z` in a long value of jar-name
// characters scanned to its end, quadratic in a tenant's env value (1.5 s for 260 KB).
const JAR_PATTERNS: readonly RegExp[] = [
  /alluxio-(\d+\.\d+\.\d+)[\w.-]{0,64}?-client\.jar/g,
  /alluxio-shaded-client-(\d+\.\d+\.\d+)[\w.-]{0,64}?\.jar/g,
  /org\.alluxio:alluxio-[\w-]{0,64}client:(\d+\.\d+\.\d+)/g,
];

const versionCore = (s: string): string | undefined => /(\d+\.\d+\.\d+)/.exec(s)?.[1];

/** The workers' version: an AlluxioRuntime of the same input (its image tag), else the policy. */
function workerVersion(obj: KubeObject, ctx: RuleContext): { version: string; source: string } | undefined {
  const runtime = fluidNeighbour(obj, ctx, ['AlluxioRuntime']);
  const tag = runtime?.spec?.alluxioVersion?.imageTag;
  const fromRuntime = typeof tag === 'string' ? versionCore(tag) : undefined;
  if (fromRuntime)
    return { version: fromRuntime, source: `AlluxioRuntime ${runtime?.metadata?.name ?? ''} image tag ${tag}`.trim() };
  const fromPolicy = versionCore(ctx.spec.alluxio.version);
  return fromPolicy ? { version: fromPolicy, source: `policy "${ctx.policy.name}"` } : undefined;
}

export const clientJarRule: Rule = {
  code: 'client-jar-version',
  description:
    'Alluxio client jar version (alluxio-X-client.jar) different from the Alluxio worker version (policy or AlluxioRuntime image tag)',
  appliesTo: isWorkloadKind,
  check(obj, ctx) {
    const worker = workerVersion(obj, ctx);
    if (!worker) return [];
    const out: Diagnostic[] = [];
    walkStrings(obj, (text, path) => {
      if (!text.includes('alluxio')) return; // every pattern names it; most strings do not
      for (const re of JAR_PATTERNS) {
        for (const m of text.matchAll(re)) {
          if (m[1] === worker.version) continue;
          out.push(
            diagnostic(
              modeSeverity(ctx, 'client-jar-version'),
              'client-jar-version',
              `Alluxio client ${m[0]} is version ${m[1]}, the workers run ${worker.version} (${worker.source})`,
              {
                path: joinPath(path),
                hint: `use alluxio-${worker.version}-client.jar, or drop the jar and let graphdata inject the matching one`,
              },
            ),
          );
        }
      }
    });
    return out;
  },
};
