#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the examples, and runs the demo.
# Until the quickstart demo lands, the demo brings up Consul and a Redis Cluster and prints their
# health. CONSUL_HTTP_ADDR / REDIS_CLUSTER_NODES point it at existing ones instead.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-services.sh
echo "[demo] building mesh-examples"
./mvnw -B -q -ntp install -DskipTests -pl mesh-examples -am
CP_FILE="mesh-examples/target/classpath.txt"
./mvnw -B -q -ntp dependency:build-classpath -pl mesh-examples -Dmdep.outputFile="$ROOT/$CP_FILE" -Dmdep.includeScope=runtime
MAIN="${DEMO_MAIN:-io.mesh4j.examples.ServicesHealth}"
exec java -Dmesh4j.repo.root="$ROOT" -cp "mesh-examples/target/classes:$(cat "$CP_FILE")" "$MAIN" "$@"
