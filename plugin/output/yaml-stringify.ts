// `yaml`'s stringify behind a module of ours: every YAML the plugin prints except `inject`'s
// manifests (manifests.ts, js-yaml, for speed on large inputs). Why two writers: js-yaml
// writes a multi-line string holding tabs (the CUE templates of the KubeVela definitions)
// as one double-quoted line of `\n\t` escapes, where `yaml` writes a readable block.
// Commands import() this, not the package:
// the plugin bundle makes each dynamic import a chunk of its own, and the chunk of a
// CommonJS package (as `yaml` is for Node) keeps only its default export there.
import { stringify as yamlStringify } from 'yaml';

/**
 * What every YAML we print is written with. kubectl and Helm read YAML 1.1, where `on`,
 * `y`, `12:30` or `1_000` are not strings, so such strings are quoted; kubectl never
 * prints anchors, so an object used twice is written out twice.
 */
const KUBE_YAML = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

export const stringify = (value: unknown): string => yamlStringify(value, KUBE_YAML);
