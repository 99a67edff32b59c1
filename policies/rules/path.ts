// Field paths as strings (`spec.containers[0].env[2].value`, the Diagnostic format)
// and back to segments, so callers can ask a SourceDocument for the line.
import { joinPath } from '../diagnostics.js';

export type Segments = (string | number)[];

/**
 * Inverse of joinPath: `a.b[0]["x.y"]` → ['a', 'b', 0, 'x.y']. Also reads the apiserver's
 * field paths, which write map keys bare: `spec.nodeSelector[alluxio]`.
 */
export function splitPath(path: string): Segments {
  const out: Segments = [];
  const re = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[([^\]]*)\]|\.?([^.[\]]+)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path))) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(JSON.parse(m[2]) as string);
    else if (m[3] !== undefined) out.push(m[3]);
    else out.push(m[4]!);
  }
  return out;
}

/** Prepends segments to a diagnostic path (for objects nested in a List). */
export const prefixPath = (prefix: Segments, path: string | undefined): string => joinPath([...prefix, ...(path ? splitPath(path) : [])]);

export { joinPath };
