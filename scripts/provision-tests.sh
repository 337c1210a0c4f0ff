#!/usr/bin/env bash
# Installs the real components the test suite starts: git (smart HTTP via git http-backend),
# OpenSSH's sshd, bubblewrap (the runner's job isolation), PostgreSQL (the hub's store), the
# distribution registry (Debian's docker-registry) for OCI charts and Chromium (the web UI's browser
# tests). Debian packages, installed only when missing; needs root (or sudo) when it installs.
# Then builds the Kubernetes test environment's binaries with Go (cached; seconds once built).
set -euo pipefail

need=()
command -v git >/dev/null 2>&1 || need+=(git)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
[ -x "$(git --exec-path 2>/dev/null)/git-http-backend" ] || need+=(git)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
# The hub's store tests run on PostgreSQL too (initdb + postgres started by the test kit).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)   # an OCI registry for Helm charts
[ -x /usr/bin/htpasswd ] || need+=(apache2-utils)            # its Basic auth file
# The web UI's tests drive Debian's Chromium (headless) with playwright-core.
[ -x /usr/bin/chromium ] || need+=(chromium fonts-dejavu-core)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} (Debian packages)…"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p /run/sshd 2>/dev/null || true

# The Kubernetes test environment's binaries (kube-apiserver, etcd, kwok, …), built from Go modules
# into a cache outside the repository; a cached build answers in seconds. Prints the bin folder.
# Without Go the Kubernetes tests are skipped (and fail under CI=true).
# Then the tools the tests run that the test env does not build (jsonnet, sops), at their pinned
# versions, into the folder the agent looks in (`trueup tools install`).
if command -v go >/dev/null 2>&1; then
  bash "$(dirname "$0")/../tools/kube-testenv/build.sh"
  root="$(cd "$(dirname "$0")/.." && pwd)"
  "$root/node_modules/.bin/node" "$root/packages/cli/src/main.js" tools install jsonnet sops
else
  echo "Go is not installed: not building the Kubernetes test tools (tools/kube-testenv/build.sh)" >&2
fi
