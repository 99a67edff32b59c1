// `kubectl graphdata …` in-process with captured streams: { code, stdout, stderr }.
// The plugin tests' entry to the shared runner (test/support/run-cli.ts), which goes
// through runCli/buildCli exactly as the executable does, usage errors (exit 2) included.
export { cli as runCli, cliProcess, type CliRun } from '../../support/run-cli.js';
