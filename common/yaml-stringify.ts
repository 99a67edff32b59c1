// `yaml`'s stringify behind a module of ours. Commands import() this, not the package:
// the plugin bundle makes each dynamic import a chunk of its own, and the chunk of a
// CommonJS package (as `yaml` is for Node) keeps only its default export there.
export { stringify } from 'yaml';
