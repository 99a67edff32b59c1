#!/usr/bin/env bash
# Builds the e2e cluster from Go modules: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kubectl of one Kubernetes version, and kwok (fake nodes whose pods
# run without a kubelet), whose version does not follow Kubernetes'.
#
# Usage: build.sh [VERSION]   (default: versions.json's "default"; one of its "supported")
# Each version has its own Go module in k8s/VERSION/ (go.mod, go.sum); the sources in cmd/
# are shared, so they are copied beside that go.mod in a staging folder in the cache.
# kwok has its own module in kwok/ (its k8s.io dependencies are not the control plane's).
# Output: ${GRAPHDATA_K8S_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/k8s-VERSION}
#   and   ${GRAPHDATA_KWOK_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/kwok-KWOKVERSION}
# The cache lives outside the clone so fresh CI clones on the same machine reuse it.
# A binary is only built when it is missing; delete it to force a rebuild.
# Prints the Kubernetes directory as the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_VERSION="${1:-$(node -p "require('$here/versions.json').default")}"
[[ -f "$here/k8s/$K8S_VERSION/go.mod" ]] || {
  echo "build.sh: no Go module for $K8S_VERSION (have: $(ls "$here/k8s" | tr '\n' ' '))" >&2
  exit 2
}
out="${GRAPHDATA_K8S_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/k8s-${K8S_VERSION}}"
kwok_version="$(sed -n 's|^[[:space:]]*sigs.k8s.io/kwok \(v[^ ]*\).*|\1|p' "$here/kwok/go.mod")"
kwok_out="${GRAPHDATA_KWOK_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/graphdata/kwok-${kwok_version}}"

# kubectl too: the e2e tests drive the real one, of the control plane's own version.
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl)
missing=0
for name in "${binaries[@]}"; do [[ -x "$out/$name" ]] || missing=1; done
[[ -x "$kwok_out/kwok" && -f "$kwok_out/stages.yaml" ]] || missing=1
if [[ $missing == 0 ]]; then
  echo "cluster binaries present in $out and $kwok_out" >&2
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

mkdir -p "$out" "$kwok_out"
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

build() { # <module dir> <output dir> <name> <package> <ldflags>
  local module="$1" out="$2" name="$3" pkg="$4" flags="$5" start=$SECONDS
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
  (cd "$module" && go build -trimpath -ldflags "$flags" -o "$out/.$name.tmp" "$pkg")
  kill "$hb" 2>/dev/null || true
  mv -f "$out/.$name.tmp" "$out/$name"
  echo "$name: built in $((SECONDS - start))s -> $out/$name" >&2
}

# main + exit on one line: bash has read the whole script before the long build
# starts, so editing this file meanwhile cannot derail a running build.
main() {
  local total=$SECONDS
  # The module to build in: this version's go.mod and go.sum beside a fresh copy of cmd/.
  local module="$out/.module"
  rm -rf "$module"
  mkdir -p "$module"
  cp "$here/k8s/$K8S_VERSION/go.mod" "$here/k8s/$K8S_VERSION/go.sum" "$module/"
  cp -R "$here/cmd" "$module/cmd"
  for name in "${binaries[@]}"; do build "$module" "$out" "$name" "./cmd/$name" "$ldflags"; done
  # kwok: a tool of its own module (go.mod's `tool` line), no sources of ours; it carries
  # its own version (sigs.k8s.io/kwok/pkg/consts), so no Kubernetes version stamp.
  local kwok_module="$kwok_out/.module"
  rm -rf "$kwok_module"
  mkdir -p "$kwok_module"
  cp "$here/kwok/go.mod" "$here/kwok/go.sum" "$kwok_module/"
  build "$kwok_module" "$kwok_out" kwok sigs.k8s.io/kwok/cmd/kwok "-s -w"
  # kwok plays no stage unless given some: use the ones kwokctl uses by default (node
  # Ready; pod Running and Ready, Job pods Succeeded, deleted pods gone), read from the
  # same module version, so nothing of kwok's is copied into this repository.
  if [[ ! -f "$kwok_out/stages.yaml" ]]; then
    local dir
    dir="$(cd "$kwok_module" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
    for f in node/fast/node-initialize pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
      echo "---"
      cat "$dir/kustomize/stage/$f.yaml"
    done >"$kwok_out/.stages.yaml.tmp"
    mv -f "$kwok_out/.stages.yaml.tmp" "$kwok_out/stages.yaml"
  fi
  echo "cluster build took $((SECONDS - total))s" >&2
  echo "$out"
}
main "$@"; exit
