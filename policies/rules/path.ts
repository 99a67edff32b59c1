// Field paths as strings (`spec.containers[0].env[2].value`, the Diagnostic format)
// and back to segments, so callers can ask a SourceDocument for the line.
import { joinPath } from '../diagnostics.js';

export type Segments = (string | number)[];

/** Inverse of joinPath: `a.b[0]["x.y"]` → ['a', 'b', 0, 'x.y']. */
export function splitPath(path: string): Segments {
  const out: Segments = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_$][\w$]*)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else out.push(m[3]!);
  }
  return out;
}

/** Prepends segments to a diagnostic path (for objects nested in a List). */
export const prefixPath = (prefix: Segments, path: string | undefined): string => joinPath([...prefix, ...(path ? splitPath(path) : [])]);

export { joinPath };
