#!/usr/bin/env bash
# The test command: installs the services the tests run for real (Consul, Redis), then builds
# and verifies every module (unit and integration tests, enforcer rules, javadoc).
# Usage: scripts/test.sh [extra maven args]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/install-services.sh

echo "[test] ./mvnw -B verify -Pjavadoc $*"
status=0
./mvnw -B -ntp verify -Pjavadoc "$@" || status=$?

# The testkit stops what it started when its JVM exits; a server still running now leaked.
leftover="$(pgrep -af 'redis-server .*mesh4j-testkit-|consul agent -dev -node mesh4j-test-' || true)"
if [ -n "$leftover" ]; then
  echo "[test] servers left running after the build:" >&2
  echo "$leftover" >&2
  if [ "${CI:-}" = "true" ]; then
    pkill -f 'mesh4j-testkit-|-node mesh4j-test-' || true
    [ "$status" -ne 0 ] || status=1
  fi
fi
exit "$status"
