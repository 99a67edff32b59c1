// Versions shown by `version` and `--version`. Kept in code (not read from package.json)
// so start-up reads no file.
export const PLUGIN_VERSION = '0.1.0';
