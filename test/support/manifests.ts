// Test oracles for what `inject` prints: all the documents formatted at once, and the
// unified diff of a whole file, against which the plugin's piece-by-piece output is held.
import { FileDiff } from '../../plugin/inject/diff.js';
import { manifestYaml } from '../../plugin/output/manifests.js';

/** YAML documents separated by `---`, or JSON: the one object, or a List of them. */
export function formatManifests(objects: readonly unknown[], format: 'yaml' | 'json'): string {
  if (format === 'yaml') return objects.map(manifestYaml).join('---\n');
  const value = objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects };
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The unified diff of a file whose documents are `before` and, injected, `after`. */
export function unifiedDiff(file: string, before: unknown[], after: unknown[], format: 'yaml' | 'json'): string {
  const diff = new FileDiff(format);
  before.forEach((b, i) => {
    diff.add(b, after[i]);
  });
  return diff.patch(file);
}
