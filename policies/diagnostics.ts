// One diagnostics type for everything that reports a finding: `validate`, policy
// loading, `inject`/`explain`, and the webhook's AdmissionReview warnings.

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable, greppable identifier such as `GD101` or `placeholder-fe-address`. */
  code: string;
  message: string;
  /** What to change, phrased as an instruction. */
  hint?: string;
  /** Field path inside the object, e.g. `spec.containers[0].image`. */
  path?: string;
  /** Source position when the object came from a file (1-based). */
  file?: string;
  line?: number;
  column?: number;
}

export function diagnostic(
  severity: Severity,
  code: string,
  message: string,
  extra: Partial<Diagnostic> = {},
): Diagnostic {
  return { severity, code, message, ...extra };
}

/** `file:line:col: severity code: message (path) — hint`, the shape compilers use. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
  const path = d.path ? ` (${d.path})` : '';
  const hint = d.hint ? `\n    hint: ${d.hint}` : '';
  return `${where}${d.severity} ${d.code}: ${d.message}${path}${hint}`;
}

/** `policy SOURCE is invalid:` and each finding on its own indented lines: the one wording everywhere a policy is refused. */
export function invalidPolicyMessage(source: string, diagnostics: readonly Diagnostic[]): string {
  return `policy ${source} is invalid:\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`;
}

/** The apiserver may truncate a single admission warning beyond this many characters. */
export const WARNING_MAX_CHARS = 256;

/**
 * A single line for an AdmissionReview warning. The apiserver shows warnings to
 * kubectl users verbatim; keep them short, free of newlines, and within its limit.
 */
export function warningText(d: Diagnostic): string {
  const path = d.path ? ` (${d.path})` : '';
  const hint = d.hint ? `; ${d.hint}` : '';
  const text = `graphdata ${d.code}: ${d.message}${path}${hint}`.replace(/\s+/g, ' ');
  return text.length <= WARNING_MAX_CHARS ? text : `${text.slice(0, WARNING_MAX_CHARS - 1)}…`;
}

export type Segments = (string | number)[];

/** Path segments → `spec.containers[0].env[2].value`. */
export function joinPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

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
export const prefixPath = (prefix: Segments, path: string | undefined): string =>
  joinPath([...prefix, ...(path ? splitPath(path) : [])]);
