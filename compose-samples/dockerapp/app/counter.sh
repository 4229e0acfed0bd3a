# Sourced by the CGI and the tests: increments the `hits` counter in redis and prints it.
# The commands go in RESP (an INCR then a QUIT, so that redis closes the connection and
# busybox nc returns).
REDIS_HOST="${REDIS_HOST:-redis}"
REDIS_PORT="${REDIS_PORT:-6379}"

increment_hits() {
  reply="$(printf '*2\r\n$4\r\nINCR\r\n$4\r\nhits\r\n*1\r\n$4\r\nQUIT\r\n' \
    | nc -w 2 "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null)" || return 1
  # The INCR reply is the first line, an integer: `:42\r`.
  first_line="$(printf '%s\n' "$reply" | head -n 1 | tr -d '\r')"
  case "$first_line" in
    :[0-9]*) printf '%s\n' "${first_line#:}" ;;
    *) return 1 ;;
  esac
}
