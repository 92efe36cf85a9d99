#!/usr/bin/env bash
# Mutation testing with PIT (default mutators) of one module's server-free tests.
# Usage: scripts/mutation.sh mesh-api|mesh-resilience|mesh-client [extra maven args]
#
# Test classes that start Consul or Redis through mesh-testkit are left out (found by their use of
# a Consul or Redis extension), so the run needs no service. The report goes to
# MODULE/target/pit-reports/ (index.html, mutations.xml); the last lines printed are the score:
#   killed / (mutants - equivalent), where only KILLED counts as a kill. Timed-out mutants, and
#   those that crashed the test JVM, are listed apart and are not kills. Equivalent mutants are
#   the ones listed in scripts/mutation-equivalent.txt (each with its reason; docs/testing.md).
# Environment: MUTATION_THREADS (default 2).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODULE="${1:-}"
case "$MODULE" in
  mesh-api) PKG=io.mesh4j.api ;;
  mesh-resilience) PKG=io.mesh4j.resilience ;;
  mesh-client) PKG=io.mesh4j.client ;;
  *)
    echo "usage: scripts/mutation.sh mesh-api|mesh-resilience|mesh-client [maven args]" >&2
    exit 2
    ;;
esac
shift

# Tests that need a real Consul or Redis (mesh-testkit's Consul* / Redis* extensions).
EXCLUDED="$(grep -rlE '\b(Consul|Redis)[A-Za-z]*Extension\b' "$MODULE/src/test/java" 2>/dev/null \
  | sed -e "s#^$MODULE/src/test/java/##" -e 's#\.java$##' -e 's#/#.#g' | sort | paste -sd, - || true)"
[ -n "$EXCLUDED" ] || EXCLUDED="io.mesh4j.none.NoSuchTest"
echo "[mutation] $MODULE: mutating $PKG.*; left out (need Consul or Redis): $EXCLUDED" >&2

./mvnw -B -ntp -Pmutation -pl "$MODULE" -am \
  -Dmutation.threads="${MUTATION_THREADS:-2}" \
  -DtargetClasses="$PKG.*" -DtargetTests="$PKG.*" -DexcludedTestClasses="$EXCLUDED" \
  "$@" test-compile org.pitest:pitest-maven:mutationCoverage

REPORT="$MODULE/target/pit-reports/mutations.xml"
[ -f "$REPORT" ] || { echo "[mutation] no report at $REPORT" >&2; exit 1; }
python3 "$ROOT/scripts/mutation-score.py" "$REPORT" "$ROOT/scripts/mutation-equivalent.txt" "$MODULE"
