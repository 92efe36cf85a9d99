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
# A leaked server has lost its JVM parent; one whose JVM still runs belongs to another build.
if ! command -v pgrep >/dev/null 2>&1; then
  echo "[test] pgrep not found (procps): cannot check for leaked servers" >&2
  if [ "${CI:-}" = "true" ] && [ "$status" -eq 0 ]; then status=1; fi
else
  # redis-server rewrites its process title, so testkit servers are told by their working
  # folder (a mesh4j-testkit-* temporary folder), not by their arguments.
  mine=""
  for pid in $(pgrep -x redis-server || true) $(pgrep -f 'consul agent (-dev )?-node mesh4j-test-' || true); do
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null || true)" in
      *mesh4j-testkit-*) ;;
      *) continue ;;
    esac
    ppid="$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')"
    if [ -z "$ppid" ] || ! ps -o comm= -p "$ppid" 2>/dev/null | grep -q '^java$'; then
      mine="$mine $pid"
    fi
  done
  if [ -n "$mine" ]; then
    echo "[test] servers left running after the build:" >&2
    for pid in $mine; do ps -o pid=,args= -p "$pid" >&2 || true; done
    if [ "${CI:-}" = "true" ]; then
      kill $mine 2>/dev/null || true
      [ "$status" -ne 0 ] || status=1
    fi
  fi
fi
exit "$status"
