// Findings come out in input order (files as given), then by line and column, however
// many files a directory holds.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../../policies/diagnostics.js';
import { sortDiagnostics } from '../../../../plugin/validate/sources.js';

const finding = (file: string | undefined, line: number): Diagnostic =>
  ({ severity: 'error', code: 'x', message: 'm', ...(file ? { file } : {}), line, column: 1 }) as Diagnostic;

describe('sortDiagnostics', () => {
  it('orders by the files as given, then line; findings without a file first', () => {
    const files = ['b.yaml', 'a.yaml'];
    const sorted = sortDiagnostics(
      [finding('a.yaml', 3), finding('b.yaml', 9), finding(undefined, 5), finding('b.yaml', 2)],
      files,
    );
    expect(sorted.map((d) => `${d.file ?? '-'}:${d.line}`)).toEqual(['-:5', 'b.yaml:2', 'b.yaml:9', 'a.yaml:3']);
  });

  it('8,000 files of 3 findings each, given in reverse', () => {
    const files = Array.from({ length: 8_000 }, (_, i) => `f${i}.yaml`);
    const findings = files.flatMap((f) => [finding(f, 30), finding(f, 10), finding(f, 20)]);
    const sorted = sortDiagnostics(findings.reverse(), files);
    expect(sorted.slice(0, 4).map((d) => `${d.file}:${d.line}`)).toEqual([
      'f0.yaml:10',
      'f0.yaml:20',
      'f0.yaml:30',
      'f1.yaml:10',
    ]);
    expect(sorted.at(-1)).toMatchObject({ file: 'f7999.yaml', line: 30 });
  });
});
