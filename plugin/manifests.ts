// Manifests as `inject` prints them: YAML documents separated by `---`, or JSON (a List
// when several), like kubectl. js-yaml's dumper, not `yaml`'s: several times faster on
// large inputs, and it quotes strings such as "yes" or "on" that YAML 1.1 readers
// (kubectl's among them) would otherwise take for booleans.
import { dump } from 'js-yaml';

export function formatManifests(objects: readonly unknown[], format: 'yaml' | 'json'): string {
  if (format === 'json') return manifestJson(objects);
  return objects.map(manifestYaml).join('---\n');
}

export const manifestJson = (objects: readonly unknown[]): string =>
  `${JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;

/** One object as a YAML document (no `---`). */
export const manifestYaml = (object: unknown): string =>
  dump(object, { lineWidth: -1, noRefs: true, quotingType: '"' });
