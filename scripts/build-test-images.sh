#!/usr/bin/env bash
# Builds the local test images FROM scratch with Debian's static busybox (nothing is pulled:
# no registry is reachable). Idempotent: an image whose content label matches is kept.
set -euo pipefail

script_dir="$(cd "$(dirname "$0")" && pwd)"
image="dk-compose-test/busybox:latest"
busybox_binary="/bin/busybox"

if [ ! -x "$busybox_binary" ]; then
  echo "busybox-static is missing, installing prerequisites first" >&2
  "$script_dir/install-prerequisites.sh"
fi

# The default command keeps the container running and stops at once on SIGTERM (PID 1 has no
# default signal handlers, so the trap is required), which suits compose services in tests.
dockerfile='FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh", "-c", "trap \"exit 0\" TERM INT; sleep 2147483647 & wait"]'

content_hash="$( { sha256sum "$busybox_binary"; printf '%s' "$dockerfile"; echo v1; } | sha256sum | cut -c1-16)"
current_hash="$(docker image inspect --format '{{index .Config.Labels "dk-compose-test.content-hash"}}' "$image" 2>/dev/null || true)"
if [ "$current_hash" = "$content_hash" ]; then
  echo "test image $image is up to date ($content_hash)"
  exit 0
fi

context_dir="$(mktemp -d)"
trap 'rm -rf "$context_dir"' EXIT
rootfs="$context_dir/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc" "$rootfs/root" "$rootfs/var/tmp"
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
cp "$busybox_binary" "$rootfs/bin/busybox"
for applet in $("$busybox_binary" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
printf '%s\nLABEL dk-compose-test.content-hash=%s\n' "$dockerfile" "$content_hash" > "$context_dir/Dockerfile"

echo "building test image $image ($content_hash) from $busybox_binary"
# The legacy builder is enough for COPY-only images and needs no buildx plugin.
if ! build_output="$(DOCKER_BUILDKIT=0 docker build --quiet --tag "$image" "$context_dir" 2>&1)"; then
  echo "$build_output" >&2
  echo "error: building $image failed" >&2
  exit 1
fi
docker image inspect --format 'built {{index .RepoTags 0}} {{.Id}}' "$image"
