// Policy limits on where things come from: image registries, hostPath directories
// and Alluxio paths. Only checked when the policy sets them; severity follows its mode.
import { diagnostic, joinPath, type Diagnostic } from '../diagnostics.js';
import { canonicalRegistry, parseImage, registryOf, resolveImage } from '../image-ref.js';
import type { Segments } from '../diagnostics.js';
import { underPrefix } from '../paths.js';
import { findPlaceholder } from './placeholders.js';
import { FLUID_GROUP, groupOf, isObject, isWorkloadKind, modeSeverity, type KubeObject, type Rule } from './types.js';
import { walkStrings } from './walk.js';

const withFluid = (kind: string, apiVersion: string): boolean =>
  isWorkloadKind(kind, apiVersion) || groupOf(apiVersion) === FLUID_GROUP;

export function allowedImage(image: string, allowed: readonly string[]): boolean {
  const ref = parseImage(image);
  const registry = registryOf(ref);
  return allowed.some((entry) => {
    const e = canonicalRegistry(entry.replace(/\/+$/, ''));
    return e === registry || `${registry}/${ref.path}`.startsWith(`${e}/`);
  });
}

const hostOf = (registry: string): string => registry.replace(/:\d+$/, '');

/**
 * A registry is host and port, as container runtimes (and Kyverno's `registry/*` image
 * patterns) see it: `registry.internal` is that host on the default port only. When the
 * image and an allowed entry differ by the port alone, say so rather than "not allowed".
 */
function portHint(image: string, allowed: readonly string[]): string | undefined {
  const registry = registryOf(parseImage(image));
  const sameHost = allowed.find((entry) => {
    const e = canonicalRegistry(entry.replace(/\/+$/, '').split('/')[0]!);
    return e !== registry && hostOf(e) === hostOf(registry);
  });
  if (!sameHost) return undefined;
  return registry.includes(':')
    ? `the policy allows ${sameHost}, which is the default port only, and this image comes from ${registry}: a port is part of a registry; add ${registry} to limits.allowedRegistries`
    : `the policy allows ${sameHost}, that port only, and this image comes from ${registry} on the default port; add ${registry} to limits.allowedRegistries, or pull from ${sameHost}`;
}

export const registryRule: Rule = {
  code: 'registry-not-allowed',
  description: 'images from registries outside the policy limits.allowedRegistries (the image as the object names it)',
  appliesTo: withFluid,
  check(obj, ctx) {
    const allowed = ctx.spec.limits.allowedRegistries;
    if (!allowed?.length) return [];
    const out: Diagnostic[] = [];
    walkStrings(obj, (image, path, key) => {
      if (typeof key !== 'string' || image === '' || findPlaceholder(image, 'image')) return;
      // `…image` fields, and an image volume's `image.reference` (pulled like a container's image).
      if (!/image$/i.test(key) && !(key === 'reference' && path[path.length - 2] === 'image')) return;
      // The image as written is the one pulled: the webhook validates pods after it mutated
      // them, and rewrites mirrors only in pods it injects (not opted-out or plain pods, not
      // custom resources). Judging the mirrored image let any pod pull what a mirror maps.
      if (allowedImage(image, allowed)) return;
      const mirrored = resolveImage(image, ctx.spec.images).image;
      const viaMirror = mirrored !== image && allowedImage(mirrored, allowed);
      out.push(
        diagnostic(
          modeSeverity(ctx, 'registry-not-allowed'),
          'registry-not-allowed',
          `image ${image} comes from ${registryOf(parseImage(image))}, which the policy does not allow`,
          {
            path: joinPath(path),
            hint: viaMirror
              ? `write the mirrored image ${mirrored} here: the policy mirror applies only to pods graphdata injects, at their creation`
              : (portHint(image, allowed) ?? `pull it from one of ${allowed.join(', ')}`),
          },
        ),
      );
    });
    return out;
  },
};

/** Every `hostPath: {path}` in the object, wherever the CRD puts volumes. */
function hostPaths(value: unknown, path: Segments = []): { hostPath: string; path: Segments }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => hostPaths(v, [...path, i]));
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'hostPath' && isObject(v) && typeof v.path === 'string'
      ? [{ hostPath: v.path, path: [...path, k, 'path'] }]
      : hostPaths(v, [...path, k]),
  );
}

export const hostPathRule: Rule = {
  code: 'hostpath-not-allowed',
  description:
    'hostPath volumes outside the policy limits.allowedHostPaths (the domain-socket directory is always allowed)',
  appliesTo: isWorkloadKind,
  check(obj, ctx) {
    const allowed = ctx.spec.limits.allowedHostPaths;
    if (!allowed) return [];
    const permitted = [...allowed, ctx.spec.alluxio.domainSocket.hostPath];
    return hostPaths(obj).flatMap(({ hostPath, path }): Diagnostic[] =>
      permitted.some((p) => underPrefix(hostPath, p))
        ? []
        : [
            diagnostic(
              modeSeverity(ctx, 'hostpath-not-allowed'),
              'hostpath-not-allowed',
              `hostPath ${hostPath} is outside the directories the policy allows`,
              {
                path: joinPath(path),
                hint: `use a directory under ${permitted.join(', ')}, or an emptyDir / PVC instead of hostPath`,
              },
            ),
          ],
    );
  },
};

const decodedPath = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

const ALLUXIO_URI = /alluxio:\/\/([^/\s"',;]*)(\/[^\s"',;]*)?/g;

export const alluxioPathRule: Rule = {
  code: 'alluxio-path-not-allowed',
  description: 'alluxio:// paths outside the policy limits.alluxioPathPrefixes (per-tenant namespaces in Alluxio)',
  appliesTo: isWorkloadKind,
  check(obj: KubeObject, ctx) {
    const prefixes = ctx.spec.limits.alluxioPathPrefixes;
    if (!prefixes?.length) return [];
    const out: Diagnostic[] = [];
    walkStrings(obj, (text, path) => {
      for (const m of text.matchAll(ALLUXIO_URI)) {
        // Normalised (underPrefix) and percent-decoded too: `/shared/%2e%2e/x` must not pass either.
        const targets = [m[2] ?? '/', decodedPath(m[2] ?? '/')];
        if (targets.every((t) => prefixes.some((p) => underPrefix(t, p)))) continue;
        out.push(
          diagnostic(
            modeSeverity(ctx, 'alluxio-path-not-allowed'),
            'alluxio-path-not-allowed',
            `${m[0]} reads outside this tenant's Alluxio paths (${prefixes.join(', ')})`,
            {
              path: joinPath(path),
              hint: `use a path under ${prefixes.join(' or ')}`,
            },
          ),
        );
      }
    });
    return out;
  },
};
