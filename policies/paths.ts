// Paths compared against policy limits (hostPaths, socket directories, Alluxio paths,
// mount paths). Every comparison goes through here: a prefix test on the raw string lets
// `/shared/../tenant-a` pass as "under /shared". Pure, POSIX semantics, no file system.

/**
 * The path with empty and `.` segments dropped, `..` resolved against what precedes it
 * (never above the root) and no trailing slash: `/shared/../tenant-a/` → `/tenant-a`.
 * A relative path stays relative (`a/../b` → `b`); `..` that climbs out of it is kept.
 */
export function normalizePath(path: string): string {
  const absolute = path.startsWith('/');
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(segment);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined || '.';
}

/** The same directory or file once both are normalised: `/opt/domain/` and `/opt/./domain`. */
export const samePath = (a: string, b: string): boolean => normalizePath(a) === normalizePath(b);

/** `/data` holds `/data` and `/data/x`, not `/database` nor `/data/../etc`; both sides are normalised. */
export function underPrefix(path: string, prefix: string): boolean {
  const p = normalizePath(prefix);
  const target = normalizePath(path);
  return p === '/' || target === p || target.startsWith(`${p}/`);
}

/**
 * An absolute path with no `..` segment, as a pattern the apiserver (RE2, no lookahead)
 * and Ajv both read the same way: each segment is empty, `.`, or anything but `..`.
 */
export const POLICY_PATH_PATTERN = '^(/(\\.?|[^/.][^/]*|\\.[^/.][^/]*|\\.\\.[^/]+))+$';
