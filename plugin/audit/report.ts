// Writing an audit as it runs: violations are printed page by page (a table aligned
// within each page, as kubectl get --chunk-size prints, or JSON/YAML streamed item by
// item), so a cluster with 100,000 findings never becomes one string in memory.
import type { Writable } from 'node:stream';
import { alignColumns, type Paint } from '../output/format.js';
import type { AuditSummary, Violation } from './scan.js';

export interface ReportWriter {
  violations(batch: readonly Violation[]): void;
  /** Closes the report with the summary (and, when the scan failed, why). */
  end(summary: AuditSummary & Record<string, unknown>, error?: string): void;
}

const HEADER = ['NAMESPACE', 'OBJECT', 'ACTION', 'RULE', 'POLICY', 'MESSAGE'];

/** The table's message column is cut here; -o json and -o yaml carry the whole message and the hint. */
const MESSAGE_MAX = 160;
const cut = (text: string): string => (text.length <= MESSAGE_MAX ? text : `${text.slice(0, MESSAGE_MAX - 1)}…`);

export function tableWriter(out: Writable, paint: Paint, before: () => void = () => {}): ReportWriter {
  let header = true;
  // Pages are aligned as they come (as kubectl get --chunk-size prints); columns only ever widen.
  const widths: number[] = [];
  return {
    violations(batch) {
      before();
      const rows = batch.map((v) => [
        v.namespace,
        `${v.kind}/${v.name}`,
        v.action,
        v.rule,
        v.policy ?? '',
        cut(`${v.message}${v.path ? ` (${v.path})` : ''}`),
      ]);
      const text = alignColumns(
        [HEADER, ...rows],
        (row, column, cell) =>
          row === 0
            ? paint('bold', cell)
            : column === 2
              ? paint(cell.startsWith('deny') ? 'red' : 'yellow', cell)
              : cell,
        widths,
      );
      out.write(header ? text : text.slice(text.indexOf('\n') + 1));
      header = false;
    },
    end(_summary, error) {
      before();
      if (header && !error) out.write('no violations\n');
    },
  };
}

/** `{"violations": [...], "summary": {...}}`, one violation at a time. */
export function jsonWriter(out: Writable): ReportWriter {
  let first = true;
  out.write('{\n  "violations": [');
  return {
    violations(batch) {
      for (const v of batch) {
        out.write(`${first ? '\n' : ',\n'}    ${JSON.stringify(v)}`);
        first = false;
      }
    },
    end(summary, error) {
      out.write(`${first ? '' : '\n  '}],\n  "summary": ${JSON.stringify(summary, null, 2).replace(/\n/g, '\n  ')}`);
      if (error) out.write(`,\n  "error": ${JSON.stringify(error)}`);
      out.write('\n}\n');
    },
  };
}

export async function yamlWriter(out: Writable): Promise<ReportWriter> {
  const { stringify } = await import('../output/yaml-stringify.js');
  let first = true;
  return {
    violations(batch) {
      if (first) out.write('violations:\n');
      first = false;
      out.write(stringify(batch));
    },
    end(summary, error) {
      if (first) out.write('violations: []\n');
      out.write(stringify({ summary, ...(error ? { error } : {}) }));
    },
  };
}

/**
 * Progress on stderr: on a terminal one line rewritten in place (cleared before anything
 * else is printed); elsewhere (CI logs, pipes) a plain line every few seconds, so a log
 * shows a long scan is alive without thousands of lines.
 */
export function progressLine(err: Writable & { isTTY?: boolean }, intervalMs = 5000) {
  const tty = Boolean(err.isTTY) && process.env.TERM !== 'dumb';
  let shown = false;
  // A scan shorter than the interval prints no progress at all.
  let last = Date.now();
  return {
    update(text: string): void {
      const now = Date.now();
      if (tty) {
        if (now - last < 100) return;
        err.write(`\r\u001b[K${text}`);
        shown = true;
      } else {
        if (now - last < intervalMs) return;
        err.write(`${text}\n`);
      }
      last = now;
    },
    /** Before stdout is written: a half line on the terminal would mix with it. */
    clear(): void {
      if (tty && shown) err.write('\r\u001b[K');
      shown = false;
    },
  };
}
