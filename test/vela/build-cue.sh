#!/usr/bin/env bash
# Builds the `cue` command (cuelang.org/go v0.14.1, the version KubeVela pins) from its
# Go module in test/vela/cue/ into the test cache, as test/cluster/build.sh builds the
# control plane. The definition rendering tests evaluate the shipped CUE templates with it.
# Output: ${GRAPHDATA_CUE_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/cue-v0.14.1/cue}
# Built only when missing. Prints the binary's path as the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${GRAPHDATA_CUE_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/cue-v0.14.1/cue}"
if [[ -x "$out" ]]; then
  echo "$out"
  exit 0
fi
command -v go >/dev/null || { echo "build-cue.sh: 'go' not found on PATH" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0
mkdir -p "$(dirname "$out")"
# A temp name per build, renamed when done: an interrupted build never leaves a half
# binary, and two e2e workers building at once do not write the same file.
(cd "$here/cue" && go build -trimpath -ldflags "-s -w" -o "$out.tmp.$$" cuelang.org/go/cmd/cue)
mv -f "$out.tmp.$$" "$out"
echo "$out"
