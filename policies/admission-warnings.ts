// The warnings one admission response carries: shared by the webhook's /mutate and
// `kubectl graphdata policy test`, so a suite sees what kubectl would print. Pure.
import { type Diagnostic, warningText } from './diagnostics.js';

/**
 * The apiserver keeps about 4,096 characters of warnings per request (256 each), so
 * more than this many are never seen; a pod with 100k containers would otherwise get
 * a 25 MB answer. The rest are counted in one closing line.
 */
export const MAX_WARNINGS = 15;

/** `listedBy`: the command that prints every one (explain for /mutate, validate for /validate). */
export function admissionWarnings(
  diagnostics: readonly Diagnostic[],
  listedBy = 'kubectl graphdata explain',
): string[] {
  if (diagnostics.length <= MAX_WARNINGS) return diagnostics.map(warningText);
  const shown = diagnostics.slice(0, MAX_WARNINGS - 1).map(warningText);
  const more = diagnostics.length - shown.length;
  return [...shown, `graphdata: ${more} more warnings not shown; ${listedBy} lists them all`];
}
