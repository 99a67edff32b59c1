// A check result as `doctor`, `status` and install's self-test print it: ✓ or ✗, what
// was found, and for ✗ a fix in plain words. Colour only where format.ts allows it.
import type { Paint } from './format.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a ✗. */
  hint?: string;
}

export function renderChecks(checks: readonly Check[], paint: Paint): string {
  return checks
    .map((c) => {
      const mark = c.ok ? paint('green', '✓') : paint('red', '✗');
      const hint = !c.ok && c.hint ? `\n    ${paint('dim', 'fix:')} ${c.hint}` : '';
      return `${mark} ${paint('bold', c.name)}: ${c.detail}${hint}\n`;
    })
    .join('');
}

export const pass = (name: string, detail: string): Check => ({ name, ok: true, detail });
export const fail = (name: string, detail: string, hint: string): Check => ({ name, ok: false, detail, hint });

/** Does a label selector (matchLabels + matchExpressions) select these labels? */
export function selects(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(value!)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(value!)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}

export function daysLeft(notAfter: Date, now = new Date()): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / 86_400_000);
}
