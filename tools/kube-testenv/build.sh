#!/usr/bin/env bash
# Builds the Kubernetes test environment's binaries from Go modules at pinned
# versions and caches them outside the repository. Prints the bin directory.
#
#   kube-apiserver, kube-controller-manager, kube-scheduler  k8s.io/kubernetes (this module)
#   etcd                                                     the version this module graph selects
#   kwok                                                     sigs.k8s.io/kwok (its own module graph)
#   kustomize, helm                                          rendering tools for the agent
#
# The cache key covers the versions, the Go version, this module's go.mod and
# go.sum and the RECIPE number, so a bump rebuilds and an unchanged tree starts
# in seconds. With --check it only prints the bin directory when it is already
# built, and fails otherwise.
set -euo pipefail

KUBERNETES_VERSION=v1.36.3
KWOK_VERSION=v0.8.0
KUSTOMIZE_VERSION=v5.8.2
HELM_VERSION=v3.22.0
# Bump when a change to this script changes what it builds.
RECIPE=1

here="$(cd "$(dirname "$0")" && pwd)"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

key="$({
  go version
  echo "$KUBERNETES_VERSION $KWOK_VERSION $KUSTOMIZE_VERSION $HELM_VERSION $RECIPE"
  cat "$here/go.mod" "$here/go.sum"
} | sha256sum | cut -c1-16)"
cache_root="${TRUEUP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/trueup}"
out="$cache_root/kube-testenv/$key"

if [[ -f "$out/.complete" ]]; then
  echo "$out/bin"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "kube-testenv: not built yet for this tree; run tools/kube-testenv/build.sh" >&2
  exit 1
fi

log() { printf 'kube-testenv: %s\n' "$*" >&2; }
started=$SECONDS
rm -rf "$out.partial"
mkdir -p "$out.partial/bin"
bin="$out.partial/bin"

minor="${KUBERNETES_VERSION#v1.}"
minor="${minor%%.*}"
stamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
version_flags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  version_flags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  version_flags+=" -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.gitTreeState=clean"
  version_flags+=" -X $pkg.buildDate=$stamp"
done

cd "$here"
log "downloading modules"
go mod download
log "building kube-apiserver, kube-controller-manager, kube-scheduler $KUBERNETES_VERSION"
go build -trimpath -ldflags "-s -w$version_flags" -o "$bin/" \
  k8s.io/kubernetes/cmd/kube-apiserver \
  k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler
log "building etcd $(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
go build -trimpath -ldflags "-s -w" -o "$bin/etcd" go.etcd.io/etcd/server/v3

# The tools below have module graphs of their own: `go install pkg@version`.
export GOFLAGS=
install_tool() {
  log "building $1"
  GOBIN="$bin" go install -trimpath -ldflags "-s -w $2" "$1"
}
install_tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" \
  "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
install_tool "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" \
  "-X sigs.k8s.io/kustomize/api/provenance.version=$KUSTOMIZE_VERSION"
install_tool "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
  "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"

# kwok needs Stage objects: the same files kwokctl embeds, from kwok's module source.
kwok_dir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
stages="$kwok_dir/kustomize/stage"
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
  pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  cat "$stages/$f"
  printf '\n---\n'
done >"$out.partial/kwok-stages.yaml"

touch "$out.partial/.complete"
rm -rf "$out"
mv "$out.partial" "$out"
log "built in $((SECONDS - started)) s into $out"
echo "$out/bin"
