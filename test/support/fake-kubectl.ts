// A `kubectl` for tests that run documented command lines offline: `kubectl graphdata`
// runs this plugin's executable, anything else fails (exit 97) as needing a cluster.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_BIN } from './run-cli.js';

/** Writes the script into DIR/.bin and returns that folder, to put first on PATH. */
export function fakeKubectl(dir: string): string {
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const kubectl = join(bin, 'kubectl');
  writeFileSync(
    kubectl,
    `#!/bin/sh\nif [ "$1" = graphdata ]; then shift; exec "${PLUGIN_BIN}" "$@"; fi\necho "needs a cluster: kubectl $*" >&2\nexit 97\n`,
  );
  chmodSync(kubectl, 0o755);
  return bin;
}
