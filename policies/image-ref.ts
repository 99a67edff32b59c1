// Container image references: parse, default the tag, rewrite the registry.
import type { ImageSettings } from './model.js';

export interface ImageRef {
  /** Registry host as written; undefined means Docker Hub. */
  registry?: string;
  path: string;
  tag?: string;
  digest?: string;
}

const DOCKER_HUB = 'docker.io';
const HUB_ALIASES = new Set([DOCKER_HUB, 'index.docker.io', 'registry-1.docker.io']);

/** A registry host as written in a policy or an image, with Docker Hub's aliases folded into `docker.io`. */
export const canonicalRegistry = (host: string): string => (HUB_ALIASES.has(host) ? DOCKER_HUB : host);

export function parseImage(image: string): ImageRef {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) [rest, tag] = [rest.slice(0, colon), rest.slice(colon + 1)];
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  // Same rule as the container runtimes: a first segment with a dot or port, or localhost, is a registry.
  const isRegistry = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  return {
    ...(isRegistry ? { registry: first } : {}),
    path: isRegistry ? rest.slice(slash + 1) : rest,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

export function formatImage(ref: ImageRef): string {
  return `${ref.registry ? `${ref.registry}/` : ''}${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Registry the runtime would pull from, with Docker Hub's aliases folded. */
export function registryOf(ref: ImageRef): string {
  return ref.registry ? canonicalRegistry(ref.registry) : DOCKER_HUB;
}

/** `apache/spark` for Hub images (without `library/`), `host/path` otherwise: how people write keys. */
export function familiarName(ref: ImageRef): string {
  if (registryOf(ref) !== DOCKER_HUB) return `${ref.registry}/${ref.path}`;
  return ref.path.startsWith('library/') ? ref.path.slice('library/'.length) : ref.path;
}

export interface ImageResolution {
  image: string;
  /** What changed, in words, e.g. `tag latest → 2.9.4`; empty when nothing did. */
  changes: string[];
  /** Set when the image floats (`:latest` or no tag) and the policy has no default for it. */
  floating?: boolean;
}

type ResolveSettings = Pick<ImageSettings, 'defaultTags' | 'mirrors'>;

/**
 * Resolutions per settings object (a policy's, never changed once loaded), by image: a
 * cluster runs few distinct images, so most admissions resolve each image once. Bounded,
 * since pods name images freely: a full cache starts again rather than grow.
 */
const resolutions = new WeakMap<ResolveSettings, Map<string, Readonly<ImageResolution>>>();
const MAX_REMEMBERED_IMAGES = 512;

/**
 * Applies default tags, then registry mirrors. Returns the input unchanged when neither
 * applies. The result may be shared between calls: never change it.
 */
export function resolveImage(image: string, settings: ResolveSettings): Readonly<ImageResolution> {
  let known = resolutions.get(settings);
  if (!known) resolutions.set(settings, (known = new Map()));
  let resolution = known.get(image);
  if (resolution === undefined) {
    if (known.size >= MAX_REMEMBERED_IMAGES) known.clear();
    resolution = resolveImageOnce(image, settings);
    known.set(image, resolution);
  }
  return resolution;
}

function resolveImageOnce(image: string, settings: ResolveSettings): ImageResolution {
  const ref = parseImage(image);
  const changes: string[] = [];
  let floating = false;
  if (!ref.digest && (ref.tag === undefined || ref.tag === 'latest')) {
    const tag = lookupDefaultTag(ref, settings.defaultTags);
    if (tag) {
      changes.push(`tag ${ref.tag ?? '(none)'} → ${tag}`);
      ref.tag = tag;
    } else {
      floating = true;
    }
  }
  const from = registryOf(ref);
  const mirror = settings.mirrors.find((m) => canonicalRegistry(m.from) === from);
  if (mirror && mirror.to !== from) {
    // Hub's one-segment names live under library/ on every other registry.
    if (from === DOCKER_HUB && !ref.path.includes('/')) ref.path = `library/${ref.path}`;
    ref.registry = mirror.to;
    changes.push(`registry ${from} → ${mirror.to}`);
  }
  return { image: changes.length ? formatImage(ref) : image, changes, ...(floating ? { floating } : {}) };
}

function lookupDefaultTag(ref: ImageRef, defaults: Record<string, string>): string | undefined {
  const name = familiarName(ref);
  return defaults[name] ?? (registryOf(ref) === DOCKER_HUB ? defaults[`${DOCKER_HUB}/${name}`] : undefined);
}
