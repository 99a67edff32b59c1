// Manifests as `inject` prints them: YAML documents separated by `---`, or JSON (a List
// when several), like kubectl and like formatObjects. Document by document, so a large
// input can be written as it is formatted.
import { stringify } from 'yaml';

export function formatManifests(objects: readonly unknown[], format: 'yaml' | 'json'): string {
  if (format === 'json') return manifestJson(objects);
  return objects.map(manifestYaml).join('---\n');
}

export const manifestJson = (objects: readonly unknown[]): string =>
  `${JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`;

/** One object as a YAML document (no `---`). */
export const manifestYaml = (object: unknown): string => stringify(object, { lineWidth: 0 });
