#!/usr/bin/env bash
# Builds kube-apiserver and etcd for the e2e control plane from their Go modules, like
# controller-runtime's envtest binaries, and rbac-aggregation: kube-controller-manager's
# ClusterRole aggregation controller alone.
#
# Usage: build.sh [VERSION]   (default: versions.json's "default"; one of its "supported")
# Each version has its own Go module in k8s/VERSION/ (go.mod, go.sum); the sources in cmd/
# are shared, so they are copied beside that go.mod in a staging folder in the cache.
# Output: ${GRAPHDATA_K8S_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/k8s-VERSION}
# The cache lives outside the clone so fresh CI clones on the same machine reuse it.
# A binary is only built when it is missing; delete it to force a rebuild.
# Prints the resulting directory as the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="${1:-$(node -p "require('$here/versions.json').default")}"
[[ -f "$here/k8s/$K8S_VERSION/go.mod" ]] || {
  echo "build.sh: no Go module for $K8S_VERSION (have: $(ls "$here/k8s" | tr '\n' ' '))" >&2
  exit 2
}
out="${GRAPHDATA_K8S_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/k8s-${K8S_VERSION}}"

# kubectl too: the e2e tests drive the real one, of the control plane's own version.
if [[ -x "$out/kube-apiserver" && -x "$out/etcd" && -x "$out/rbac-aggregation" && -x "$out/kubectl" ]]; then
  echo "control-plane binaries present in $out" >&2
  echo "$out"
  exit 0
fi

go_needed="$(sed -n 's/^go //p' "$here/k8s/$K8S_VERSION/go.mod")"
command -v go >/dev/null || { echo "build.sh: 'go' not found on PATH (need Go >= $go_needed)" >&2; exit 1; }

# The checksum DB answers 404 for k8s.io/kubernetes and k8s.io/controller-manager, so
# skip it for those two only; go.sum (committed) still pins their hashes. Never switch
# toolchains behind our back; never stamp VCS info (the clone may not be a checkout).
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}k8s.io/kubernetes,k8s.io/controller-manager"
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false -mod=readonly"
export CGO_ENABLED=0

mkdir -p "$out"
build_date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
minor="${K8S_VERSION#v1.}"
minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=${K8S_VERSION}"
  ldflags+=" -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor}"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date}"
done

# go build prints nothing for minutes; say it is still alive.
heartbeat() { while sleep 30; do echo "  ... still building ($(( SECONDS - $1 ))s)" >&2; done; }

build() { # <name> <package>
  local name="$1" pkg="$2" start=$SECONDS
  if [[ -x "$out/$name" ]]; then
    echo "$name: already built" >&2
    return
  fi
  echo "$name: building $pkg (several minutes on a small machine)..." >&2
  heartbeat "$start" &
  hb=$!
  trap 'kill "$hb" 2>/dev/null || true' EXIT
  # Build to a temp name and rename, so an interrupted build never leaves a
  # half-written binary that later runs would mistake for a good one.
  (cd "$module" && go build -trimpath -ldflags "$ldflags" -o "$out/.$name.tmp" "$pkg")
  kill "$hb" 2>/dev/null || true
  mv -f "$out/.$name.tmp" "$out/$name"
  echo "$name: built in $((SECONDS - start))s -> $out/$name" >&2
}

# main + exit on one line: bash has read the whole script before the long build
# starts, so editing this file meanwhile cannot derail a running build.
main() {
  local total=$SECONDS
  # The module to build in: this version's go.mod and go.sum beside a fresh copy of cmd/.
  module="$out/.module"
  rm -rf "$module"
  mkdir -p "$module"
  cp "$here/k8s/$K8S_VERSION/go.mod" "$here/k8s/$K8S_VERSION/go.sum" "$module/"
  cp -R "$here/cmd" "$module/cmd"
  build etcd ./cmd/etcd
  build kube-apiserver ./cmd/kube-apiserver
  build rbac-aggregation ./cmd/rbac-aggregation
  build kubectl ./cmd/kubectl
  echo "control-plane build took $((SECONDS - total))s" >&2
  echo "$out"
}
main "$@"; exit
