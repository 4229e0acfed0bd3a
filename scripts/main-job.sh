#!/usr/bin/env bash
# The README's first command: builds dk-compose, builds the offline base images, brings up
# compose-samples/dockerapp (web + Redis), visits it twice to show the counter increase,
# shows `ps` and the logs, and always takes it down again (`down -v`, on exit).
#   bash scripts/main-job.sh
# Knobs: COMPOSE (the compose binary; when set, nothing is built with cargo),
# DOCKERAPP_PORT (host port, 5000), MAIN_JOB_PROJECT (project name, dockerapp).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${COMPOSE:-}" ]; then
  # The dev profile: built in about a minute (a release build takes several on 2 cores), and
  # the one `cargo test` builds too, so the test of this script reuses it.
  echo "== building dk-compose"
  cargo build --locked
fi
COMPOSE=${COMPOSE:-./target/debug/dk-compose}
export DOCKERAPP_PORT="${DOCKERAPP_PORT:-5000}"
project="${MAIN_JOB_PROJECT:-dockerapp}"
sample="compose-samples/dockerapp/compose.yaml"
url="http://127.0.0.1:${DOCKERAPP_PORT}"

compose() {
  echo "\$ $(basename "$COMPOSE") -f $sample $*"
  "$COMPOSE" -p "$project" -f "$sample" "$@"
}

echo "== building the sample base images (offline)"
bash scripts/build-sample-bases.sh

take_down() {
  local status=$?
  trap - EXIT
  echo "== taking dockerapp down"
  compose down -v || status=1
  exit "$status"
}
trap take_down EXIT

echo "== bringing dockerapp up"
compose up -d --build

echo "== waiting for the web service on $url"
# The static health page, so that waiting does not count as a visit.
for _ in $(seq 1 60); do
  if curl -fsS -o /dev/null "$url/health.txt" 2>/dev/null; then
    break
  fi
  sleep 0.5
done

echo "== visiting it twice"
first="$(curl -fsS "$url/")"
echo "$first"
second="$(curl -fsS "$url/")"
echo "$second"
first_hits="$(sed -n 's/.*seen \([0-9][0-9]*\) times.*/\1/p' <<<"$first")"
second_hits="$(sed -n 's/.*seen \([0-9][0-9]*\) times.*/\1/p' <<<"$second")"
if [ -z "$first_hits" ] || [ "${second_hits:-0}" -ne "$((first_hits + 1))" ]; then
  echo "error: the counter did not increase by one (${first_hits:-?} then ${second_hits:-?})" >&2
  exit 1
fi
echo "the counter increased: $first_hits -> $second_hits"

echo "== containers"
compose ps

echo "== logs"
compose logs
