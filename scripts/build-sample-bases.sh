#!/usr/bin/env bash
# Builds the base images the samples and examples start FROM, locally and offline, from
# Debian packages' binaries on `FROM scratch` (no registry is needed or contacted):
#   dk-compose-samples/busybox:latest  Debian's busybox-static, applets linked in /bin
#   dk-compose-samples/redis:latest    Debian's Redis server and redis-cli with exactly the
#                                      shared libraries `ldd` lists and the dynamic loader
# Idempotent: an image whose content-hash label matches its inputs is kept as it is.
# On a machine with a registry, `busybox` and `redis` from Docker Hub do the same job.
set -euo pipefail

script_dir="$(cd "$(dirname "$0")" && pwd)"
busybox_binary="/bin/busybox"
# Debian's redis-server package only adds the symlink /usr/bin/redis-server ->
# redis-check-rdb (one binary that acts by its name); redis-tools holds the binary itself,
# and installing it starts no daemon on the host.
redis_server_binary="/usr/bin/redis-check-rdb"
redis_cli_binary="/usr/bin/redis-cli"

if [ ! -x "$busybox_binary" ] || [ ! -x "$redis_server_binary" ] || [ ! -x "$redis_cli_binary" ]; then
  echo "busybox-static or redis-tools is missing, installing prerequisites first" >&2
  "$script_dir/install-prerequisites.sh"
fi

work_dir="$(mktemp -d)"
trap 'rm -rf "$work_dir"' EXIT

# build_image IMAGE CONTEXT_DIR CONTENT_HASH: builds CONTEXT_DIR (whose Dockerfile lacks the
# label line) unless IMAGE already carries CONTENT_HASH.
build_image() {
  local image="$1" context_dir="$2" content_hash="$3" current_hash build_output
  current_hash="$(docker image inspect --format '{{index .Config.Labels "dk-compose-samples.content-hash"}}' "$image" 2>/dev/null || true)"
  if [ "$current_hash" = "$content_hash" ]; then
    echo "sample base $image is up to date ($content_hash)"
    return 0
  fi
  printf 'LABEL dk-compose-samples.content-hash=%s\n' "$content_hash" >> "$context_dir/Dockerfile"
  echo "building sample base $image ($content_hash)"
  # The classic builder is enough for COPY-only images and needs no buildx plugin.
  if ! build_output="$(DOCKER_BUILDKIT=0 docker build --quiet --tag "$image" "$context_dir" 2>&1)"; then
    echo "$build_output" >&2
    echo "error: building $image failed" >&2
    exit 1
  fi
  docker image inspect --format "built {{index .RepoTags 0}} {{.Id}} ({{.Size}} bytes)" "$image"
}

# The files every image needs: /etc/passwd and /etc/group (for `id`, redis and httpd), /tmp.
base_files() {
  local rootfs="$1"
  mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/var/tmp" "$rootfs/root"
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$rootfs/etc/group"
}

# --- dk-compose-samples/busybox -----------------------------------------------------------
busybox_dockerfile='FROM scratch
COPY rootfs/ /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["sh"]'
busybox_context="$work_dir/busybox"
busybox_rootfs="$busybox_context/rootfs"
mkdir -p "$busybox_rootfs/bin"
base_files "$busybox_rootfs"
cp "$busybox_binary" "$busybox_rootfs/bin/busybox"
for applet in $("$busybox_binary" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$busybox_rootfs/bin/$applet"
done
printf '%s\n' "$busybox_dockerfile" > "$busybox_context/Dockerfile"
busybox_hash="$( { sha256sum "$busybox_binary"; printf '%s' "$busybox_dockerfile"; echo busybox-v1; } | sha256sum | cut -c1-16)"
build_image "dk-compose-samples/busybox:latest" "$busybox_context" "$busybox_hash"

# --- dk-compose-samples/redis -------------------------------------------------------------
# redis.conf: listen on every interface of the container without protected mode (the
# container's network is the boundary), keep data in /data, log to stdout.
redis_conf='bind 0.0.0.0
port 6379
protected-mode no
dir /data
logfile ""
'
redis_dockerfile='FROM scratch
COPY rootfs/ /
WORKDIR /data
EXPOSE 6379
CMD ["redis-server", "/etc/redis/redis.conf"]'
redis_context="$work_dir/redis"
redis_rootfs="$redis_context/rootfs"
mkdir -p "$redis_rootfs/usr/bin" "$redis_rootfs/etc/redis" "$redis_rootfs/data"
base_files "$redis_rootfs"
cp "$redis_server_binary" "$redis_rootfs/usr/bin/redis-server"
cp "$redis_cli_binary" "$redis_rootfs/usr/bin/redis-cli"
printf '%s' "$redis_conf" > "$redis_rootfs/etc/redis/redis.conf"
# Every library ldd resolves (`name => /path (address)`) and the loader (`/path (address)`),
# copied to the same path with symlinks followed.
libraries="$(ldd "$redis_server_binary" "$redis_cli_binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' | sort -u)"
for library in $libraries; do
  mkdir -p "$redis_rootfs$(dirname "$library")"
  cp -L "$library" "$redis_rootfs$library"
done
printf '%s\n' "$redis_dockerfile" > "$redis_context/Dockerfile"
redis_hash="$( { sha256sum "$redis_server_binary" "$redis_cli_binary"; for library in $libraries; do sha256sum "$library"; done; printf '%s%s' "$redis_conf" "$redis_dockerfile"; echo redis-v1; } | sha256sum | cut -c1-16)"
build_image "dk-compose-samples/redis:latest" "$redis_context" "$redis_hash"
