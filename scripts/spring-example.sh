#!/usr/bin/env bash
# The Spring Boot example (docs/spring-boot.md, "The example"): installs what is missing, builds
# mesh-examples-spring, and runs io.mesh4j.examples.spring.SpringExample, which brings up Consul and
# a Redis Cluster through mesh-testkit as scripts/demo.sh does (CONSUL_HTTP_ADDR and
# REDIS_CLUSTER_NODES point it at existing services instead), starts two user-service instances and
# the caller, and calls the caller. Pass --keep-running to keep everything up for curl until Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/install-services.sh
echo "[spring-example] building mesh-examples-spring"
./mvnw -B -q -ntp install -DskipTests -pl mesh-examples-spring -am
CP_FILE="mesh-examples-spring/target/classpath.txt"
./mvnw -B -q -ntp dependency:build-classpath -pl mesh-examples-spring -Dmdep.outputFile="$ROOT/$CP_FILE" -Dmdep.includeScope=runtime
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dmesh4j.repo.root="$ROOT" \
  -cp "mesh-examples-spring/target/classes:$(cat "$CP_FILE")" io.mesh4j.examples.spring.SpringExample "$@"
