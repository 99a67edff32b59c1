// The human form of a policy test run: one row per expected result, and under a failed
// row what did not match.
import { alignColumns, type Paint } from '../../output/format.js';
import type { SuiteReport } from './run.js';

/** Long expected messages would push the RESULT column off the screen; -o json has them whole. */
const cut = (text: string, max = 60): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export function renderTable(reports: readonly SuiteReport[], paint: Paint): string {
  const rows: string[][] = [['SUITE', 'RESOURCE', 'POLICY', 'EXPECTED', 'RESULT']];
  const details: string[][] = [[]];
  for (const report of reports)
    for (const r of report.results) {
      rows.push([
        report.name,
        r.resource + (r.namespace ? ` (${r.namespace})` : ''),
        r.policy,
        cut(r.expected),
        r.passed ? 'pass' : 'FAIL',
      ]);
      details.push(r.mismatches);
    }
  const lines = alignColumns(rows, (row, column, text) =>
    row === 0 ? paint('bold', text) : column === 4 ? paint(text.startsWith('pass') ? 'green' : 'red', text) : text,
  ).split('\n');
  return rows
    .map((_row, i) => `${lines[i]}\n${details[i]!.map((m) => `    ${paint('dim', '-')} ${m}\n`).join('')}`)
    .join('');
}
