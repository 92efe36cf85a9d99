#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the examples, and runs the demo.
# The demo (io.mesh4j.examples.QuickstartDemo) brings up Consul and a Redis Cluster, starts three
# user-service instances and calls them through ServiceMeshClient; CONSUL_HTTP_ADDR and
# REDIS_CLUSTER_NODES point it at existing services instead. DEMO_MAIN runs another program of
# mesh-examples (e.g. io.mesh4j.examples.CacheExample, io.mesh4j.examples.ServicesHealth).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-services.sh
echo "[demo] building mesh-examples"
./mvnw -B -q -ntp install -DskipTests -pl mesh-examples -am
CP_FILE="mesh-examples/target/classpath.txt"
./mvnw -B -q -ntp dependency:build-classpath -pl mesh-examples -Dmdep.outputFile="$ROOT/$CP_FILE" -Dmdep.includeScope=runtime
MAIN="${DEMO_MAIN:-io.mesh4j.examples.QuickstartDemo}"
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dmesh4j.repo.root="$ROOT" -cp "mesh-examples/target/classes:$(cat "$CP_FILE")" "$MAIN" "$@"
