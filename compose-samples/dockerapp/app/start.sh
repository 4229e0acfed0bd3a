#!/bin/sh
# PID 1 of the web container: runs httpd in the foreground and stops at once on SIGTERM
# (PID 1 has no default signal handlers, hence the trap).
trap 'exit 0' TERM INT
echo "dockerapp listening on :${PORT:-5000}, counting visits in redis at ${REDIS_HOST:-redis}:${REDIS_PORT:-6379}"
httpd -f -v -p "${PORT:-5000}" -h /www &
wait
