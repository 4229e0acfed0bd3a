#!/usr/bin/env bash
# Installs the Debian packages the tests and samples need (idempotent). Nothing is pulled
# from an image registry: test images are built locally from these binaries.
# docker-registry: tests/pull_push.rs runs `/usr/bin/docker-registry serve` itself on a free
# 127.0.0.1 port (its systemd service is not needed and may stay stopped).
set -euo pipefail
packages=(busybox-static redis-tools curl docker-registry)
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "prerequisites present: ${packages[*]}"
