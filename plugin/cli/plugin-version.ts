// The plugin ships with its engine: one package, one version.
export { ENGINE_VERSION as PLUGIN_VERSION } from '../../policies/engine-version.js';
