#!/usr/bin/env bash
# Builds the benchmark's peer, a controller-runtime webhook (main.go), from its Go module
# (go.mod, go.sum) into the per-user cache, keyed by a hash of its sources, so clones share
# it and an edit rebuilds it. Prints the binary's path as the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
key="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
out="${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/bench-peer-$key"
if [[ -x "$out/peer" ]]; then
  echo "$out/peer"
  exit 0
fi
command -v go >/dev/null || { echo "build.sh: 'go' not found on PATH (need Go >= $(sed -n 's/^go //p' "$here/go.mod"))" >&2; exit 1; }
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly" CGO_ENABLED=0
echo "bench peer: building the controller-runtime webhook (a minute or two the first time)..." >&2
mkdir -p "$out"
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$out/.peer.tmp" .)
mv -f "$out/.peer.tmp" "$out/peer"
echo "$out/peer"
