#!/usr/bin/env bash
# Installs the real components the test suite starts: git (smart HTTP via git http-backend) and
# OpenSSH's sshd. Debian packages, installed only when missing; needs root (or sudo) when it installs.
set -euo pipefail

need=()
command -v git >/dev/null 2>&1 || need+=(git)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
[ -x "$(git --exec-path 2>/dev/null)/git-http-backend" ] || need+=(git)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${need[*]} (Debian packages)…"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p /run/sshd 2>/dev/null || true
