// Unified diff of manifests before and after injection, as `git diff` would show it.
import { createTwoFilesPatch } from 'diff';
import { formatObjects } from './output.js';

export async function unifiedDiff(
  file: string,
  before: unknown[],
  after: unknown[],
  format: 'yaml' | 'json',
): Promise<string> {
  const [a, b] = await Promise.all([formatObjects(before, format), formatObjects(after, format)]);
  if (a === b) return '';
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, a, b, undefined, undefined, { context: 3 });
}
