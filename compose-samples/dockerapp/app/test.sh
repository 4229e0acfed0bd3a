#!/bin/sh
# dockerapp's unit tests, run against the real redis of the project:
#   dk-compose run --rm dockerapp /app/test.sh
# Prints one `ok`/`not ok` line per check (TAP-like) and exits 1 if any check fails.
# EXPECTED_GREETING changes the expected greeting (test-fail.sh uses it to fail on purpose).
expected_greeting="${EXPECTED_GREETING:-Hello from dockerapp!}"
failures=0
check() {
  description="$1"
  shift
  if "$@"; then
    echo "ok - $description"
  else
    echo "not ok - $description"
    failures=$((failures + 1))
  fi
}
visit() { REQUEST_METHOD=GET /www/cgi-bin/index.cgi; }
hits_in() { printf '%s\n' "$1" | sed -n 's/.*I have been seen \([0-9][0-9]*\) times\..*/\1/p'; }

first="$(visit)"
second="$(visit)"
first_hits="$(hits_in "$first")"
second_hits="$(hits_in "$second")"

check "the page is plain text" sh -c 'printf "%s\n" "$1" | head -n 1 | grep -q "^Content-Type: text/plain"' - "$first"
check "the page greets with \`$expected_greeting\`" sh -c 'printf "%s\n" "$1" | grep -qF "$2"' - "$first" "$expected_greeting"
check "the page shows the visit count" test -n "$first_hits"
check "each visit adds one ($first_hits then $second_hits)" test "${second_hits:-0}" -eq "$(( ${first_hits:-0} + 1 ))"
check "without redis the page answers 503" sh -c 'REDIS_HOST=127.0.0.1 REDIS_PORT=1 REQUEST_METHOD=GET /www/cgi-bin/index.cgi | head -n 1 | grep -q "^Status: 503"'

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
