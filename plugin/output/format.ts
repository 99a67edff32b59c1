// Terminal output: colour only on a TTY and never with NO_COLOR; -o yaml|json for machines.
import type { Writable } from 'node:stream';
import type { Diagnostic } from '../../policies/diagnostics.js';

export type OutputFormat = 'yaml' | 'json' | 'table';

export function useColor(stream: Writable): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean((stream as Writable & { isTTY?: boolean }).isTTY);
}

const codes = { red: 31, yellow: 33, green: 32, cyan: 36, dim: 2, bold: 1 } as const;
export type Paint = (style: keyof typeof codes, text: string) => string;

export function painter(stream: Writable): Paint {
  const on = useColor(stream);
  return (style, text) => (on ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
}

/** Objects as kubectl prints them: YAML documents separated by `---`, or JSON (a List when several). */
export async function formatObjects(objects: unknown[], format: 'yaml' | 'json'): Promise<string> {
  if (format === 'json') {
    const body = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
  const { stringify } = await import('./yaml-stringify.js');
  return objects.map((o) => stringify(o)).join('---\n');
}

/** Compiler-style lines for people; the same diagnostics as JSON or YAML for machines. */
export async function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  format: OutputFormat,
  paint: Paint,
): Promise<string> {
  if (format === 'json') return `${JSON.stringify({ diagnostics }, null, 2)}\n`;
  if (format === 'yaml') return (await import('./yaml-stringify.js')).stringify({ diagnostics });
  return diagnostics
    .map((d) => {
      const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
      const sev = paint(d.severity === 'error' ? 'red' : d.severity === 'warning' ? 'yellow' : 'cyan', d.severity);
      const path = d.path ? paint('dim', ` (${d.path})`) : '';
      const hint = d.hint ? `\n    ${paint('dim', 'hint:')} ${d.hint}` : '';
      return `${where}${sev} ${paint('bold', d.code)}: ${d.message}${path}${hint}\n`;
    })
    .join('');
}

/**
 * Rows as kubectl prints a table: columns padded to their widest cell, three spaces
 * apart. `style` colours a cell after padding, so colour never shifts the columns.
 */
export function alignColumns(
  rows: readonly (readonly string[])[],
  style: (row: number, column: number, text: string) => string = (_r, _c, text) => text,
  /** Widths at least this wide, updated in place: a table printed in parts keeps its columns from widening back. */
  widths: number[] = [],
): string {
  for (const row of rows) for (const [c, cell] of row.entries()) widths[c] = Math.max(widths[c] ?? 0, cell.length);
  return rows
    .map((row, r) =>
      row
        .map((cell, c) => style(r, c, c === row.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join('   ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
