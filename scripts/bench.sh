#!/usr/bin/env bash
# Runs one benchmark of mesh-benchmarks by name; its last line is "RESULT name=value unit".
# Usage: scripts/bench.sh list | scripts/bench.sh NAME [args...]
# Output is also kept in bench-results/NAME-<time>.txt. BENCH_SKIP_BUILD=1 reuses the jar.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
NAME="${1:-list}"
shift || true

JAR="mesh-benchmarks/target/benchmarks.jar"
if [ "${BENCH_SKIP_BUILD:-0}" != "1" ] || [ ! -f "$JAR" ]; then
  bash scripts/install-services.sh >/dev/null
  echo "[bench] building mesh-benchmarks" >&2
  ./mvnw -B -q -ntp package -DskipTests -Denforcer.skip=false -pl mesh-benchmarks -am >&2
fi

if [ "$NAME" = "list" ]; then
  exec java -jar "$JAR" list
fi

mkdir -p bench-results
OUT="bench-results/$NAME-$(date +%Y%m%d-%H%M%S).txt"
set +e
java -Dmesh4j.repo.root="$ROOT" -jar "$JAR" "$NAME" "$@" 2>&1 | tee "$OUT"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "[bench] $NAME failed with exit code $status" >&2
  exit "$status"
fi
if ! tail -n 1 "$OUT" | grep -q '^RESULT '; then
  echo "[bench] $NAME did not end with a RESULT line" >&2
  exit 1
fi
