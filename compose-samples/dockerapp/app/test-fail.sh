#!/bin/sh
# A deliberately failing variant of the unit tests (it expects another greeting), to show
# that `dk-compose run` returns the tests' non-zero exit code.
EXPECTED_GREETING="Hello from another app!" exec /app/test.sh
