#!/bin/sh
# GET / : counts the visit in redis and greets (httpd serves /cgi-bin/index.cgi for `/`).
. /app/counter.sh
if hits="$(increment_hits)"; then
  printf 'Content-Type: text/plain\r\n\r\n'
  printf 'Hello from dockerapp! I have been seen %s times.\n' "$hits"
else
  printf 'Status: 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\n'
  printf 'dockerapp cannot reach redis at %s:%s\n' "$REDIS_HOST" "$REDIS_PORT"
fi
