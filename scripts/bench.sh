#!/usr/bin/env bash
# Runs the benchmarks of mesh-benchmarks, on the commit checked out, and checks what they print.
#
# Usage:
#   scripts/bench.sh list                      the benchmarks the jar holds (classes named *Bench),
#                                              and spring-side-by-side (below)
#   scripts/bench.sh NAME [args...] [--dirty]  one benchmark (--dirty may come anywhere)
#   scripts/bench.sh all [--dirty]             every benchmark, then writes docs/benchmarks.md
#
# The benchmarks jar is always built from the tree it runs on. A tree with uncommitted changes
# (tracked or untracked, ignored files aside) is refused unless --dirty is given; the figures
# are then marked as coming from a dirty tree. Raw outputs go to bench-results/<sha>/NAME.txt
# (<sha>-dirty for a dirty tree).
#
# What a benchmark must print (stdout or stderr, both are kept):
#   RESULT <name>=<number> <unit and notes>    one or more; the LAST line of the output must be one.
#                                              <name> is [a-z0-9_]+; NaN or Infinity fail the run.
#   ERRORS <name>=<count> allowed=<max>        optional, before the last line: an error count and
#                                              how many the benchmark allows; count > max fails it.
# A benchmark fails when it exits non-zero, prints no RESULT, a RESULT that is not a number, a
# malformed ERRORS line, or an ERRORS count above its allowance. "all" runs every benchmark even
# when one fails, marks the failed ones in the table and exits non-zero at the end.
# Targets of RESULT names come from scripts/bench-targets.tsv (see scripts/bench-report.sh).
#
# spring-side-by-side is not in the jar: SpringSideBySideBench lives in mesh-benchmarks-spring's
# tests, so that Spring Boot and Spring Cloud (test-scoped there) stay off mesh-benchmarks' class
# path and enforcer rules; it runs on that module's test class path.
#
# BENCH_TIMEOUT_S (default 1200) bounds one benchmark's run time; a benchmark that hangs fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DIRTY_OK=0
ARGS=()
for a in "$@"; do
  if [ "$a" = "--dirty" ]; then
    DIRTY_OK=1
  else
    ARGS+=("$a")
  fi
done
NAME="${ARGS[0]:-list}"
REST=("${ARGS[@]:1}")
JAR="mesh-benchmarks/target/benchmarks.jar"
SPRING_NAME="spring-side-by-side"
SPRING_CP="mesh-benchmarks-spring/target/bench-test-classpath.txt"
TIMEOUT_S="${BENCH_TIMEOUT_S:-1200}"

build() {
  bash scripts/install-services.sh >/dev/null
  echo "[bench] building mesh-benchmarks from the working tree" >&2
  # build-classpath in the same reactor, so the mesh4j modules resolve to this tree's build; each
  # module writes its own target/bench-test-classpath.txt (only mesh-benchmarks-spring's is read).
  ./mvnw -B -q -ntp package dependency:build-classpath -DskipTests -Denforcer.skip=false \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-test-classpath.txt \
    -pl mesh-benchmarks,mesh-benchmarks-spring -am >&2
}

# Every benchmark's name: the jar's, then spring-side-by-side.
names() {
  java -jar "$JAR" list
  echo "$SPRING_NAME"
}

if [ "$NAME" = "list" ]; then
  build
  names
  exit 0
fi

if ! git rev-parse --verify -q HEAD >/dev/null; then
  echo "[bench] not a git checkout: figures must be tied to a commit" >&2
  exit 2
fi
SHA="$(git rev-parse --short=12 HEAD)"
if [ -n "$(git status --porcelain)" ]; then
  if [ "$DIRTY_OK" != "1" ]; then
    echo "[bench] the working tree has uncommitted changes (git status --porcelain):" >&2
    git status --porcelain >&2
    echo "[bench] commit them, or pass --dirty to measure them anyway (the figures are then marked dirty)" >&2
    exit 2
  fi
  TREE="dirty"
  DIR="bench-results/$SHA-dirty"
else
  TREE="clean"
  DIR="bench-results/$SHA"
fi
mkdir -p "$DIR"
build

# Why the output $1 of a benchmark that exited with $2 is not acceptable; empty when it is.
verdict() {
  local out="$1" status="$2" last bad
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "timed out after ${TIMEOUT_S} s"; return
  fi
  if [ "$status" -ne 0 ]; then
    echo "exit code $status"; return
  fi
  if ! grep -q '^RESULT ' "$out"; then
    echo "no RESULT line"; return
  fi
  last="$(grep -v '^[[:space:]]*$' "$out" | tail -n 1)"
  if [[ "$last" != RESULT\ * ]]; then
    echo "the last line is not a RESULT line"; return
  fi
  bad="$(grep '^RESULT ' "$out" \
    | grep -Ev '^RESULT [a-z0-9_]+=-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?( .*)?$' | head -n 1 || true)"
  if [ -n "$bad" ]; then
    echo "a RESULT that is not a number: $bad"; return
  fi
  bad="$(grep '^ERRORS ' "$out" | grep -Ev '^ERRORS [a-z0-9_]+=[0-9]+ allowed=[0-9]+( .*)?$' | head -n 1 || true)"
  if [ -n "$bad" ]; then
    echo "a malformed ERRORS line (want 'ERRORS name=<count> allowed=<max>'): $bad"; return
  fi
  bad="$(awk '/^ERRORS / { split($2, kv, "="); split($3, al, "=");
      if (kv[2] + 0 > al[2] + 0) { printf "%s=%s, %s allowed; ", kv[1], kv[2], al[2] } }' "$out")"
  if [ -n "$bad" ]; then
    echo "more errors than the benchmark allows: ${bad%; }"; return
  fi
}

# Runs benchmark $1 with the remaining arguments; records its verdict in $DIR/index.tsv.
run_one() {
  local name="$1"; shift
  local out="$DIR/$name.txt" status start took why
  echo "[bench] ===== $name ($(date -u +%H:%M:%S) UTC, commit $SHA, $TREE tree)" >&2
  start=$(date +%s)
  set +e
  local cmd=(java -Dmesh4j.repo.root="$ROOT" -Dorg.slf4j.simpleLogger.log.redis.clients.jedis=warn)
  if [ "$name" = "$SPRING_NAME" ]; then
    cmd+=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn
      -cp "mesh-benchmarks-spring/target/test-classes:$(cat "$SPRING_CP")"
      io.mesh4j.benchmarks.spring.SpringSideBySideBench)
  else
    cmd+=(-jar "$JAR" "$name")
  fi
  timeout -k 30 "$TIMEOUT_S" "${cmd[@]}" "$@" 2>&1 | tee "$out"
  status=${PIPESTATUS[0]}
  set -e
  took=$(( $(date +%s) - start ))
  why="$(verdict "$out" "$status")"
  # One line per run; a later run of the same benchmark replaces the earlier one.
  touch "$DIR/index.tsv"
  grep -v "^$name	" "$DIR/index.tsv" > "$DIR/index.tsv.tmp" || true
  printf '%s\t%s\t%s\t%s\n' "$name" "$( [ -z "$why" ] && echo ok || echo failed)" "$took" "$why" >> "$DIR/index.tsv.tmp"
  mv "$DIR/index.tsv.tmp" "$DIR/index.tsv"
  bash scripts/bench-report.sh --check "$out" >&2
  if [ -n "$why" ]; then
    echo "[bench] $name FAILED: $why ($took s; output in $out)" >&2
    return 1
  fi
  echo "[bench] $name ok ($took s; output in $out)" >&2
}

write_meta() {
  local jdk cpu
  jdk="$(java -XshowSettings:properties -version 2>&1 \
    | awk -F' = ' '/java.vendor = /{v=$2} /java.runtime.version = /{r=$2} END{print v " " r}')"
  cpu="$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
  {
    printf 'sha\t%s\n' "$(git rev-parse HEAD)"
    printf 'subject\t%s\n' "$(git log -1 --format=%s)"
    printf 'tree\t%s\n' "$TREE"
    printf 'date\t%s\n' "$(date -u +'%Y-%m-%d %H:%M UTC')"
    printf 'jdk\t%s\n' "$jdk"
    printf 'cpus\t%s\n' "$(nproc)"
    printf 'cpu_model\t%s\n' "${cpu:-unknown}"
    printf 'os\t%s\n' "$(uname -sr)"
  } > "$DIR/meta.tsv"
}

if [ "$NAME" != "all" ]; then
  run_one "$NAME" "${REST[@]}"
  exit $?
fi

if [ ${#REST[@]} -gt 0 ]; then
  echo "[bench] 'all' takes no arguments (each benchmark runs with its defaults)" >&2
  exit 2
fi
mapfile -t NAMES < <(names)
if [ ${#NAMES[@]} -eq 0 ]; then
  echo "[bench] the jar lists no benchmark" >&2
  exit 1
fi
rm -f "$DIR/index.tsv"
write_meta
ALL_START=$(date +%s)
FAILED=()
for n in "${NAMES[@]}"; do
  run_one "$n" || FAILED+=("$n")
done
printf 'total_s\t%s\n' "$(( $(date +%s) - ALL_START ))" >> "$DIR/meta.tsv"
bash scripts/bench-report.sh "$DIR" > docs/benchmarks.md
echo "[bench] wrote docs/benchmarks.md from $DIR ($(( $(date +%s) - ALL_START )) s)" >&2
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "[bench] failed: ${FAILED[*]}" >&2
  exit 1
fi
