/**
 * Real services for tests, no Docker needed: {@link io.mesh4j.testkit.ConsulAgent} (a Consul dev
 * agent) and {@link io.mesh4j.testkit.RedisCluster} (six redis-server processes, three masters and
 * three replicas) on free loopback ports, with JUnit Jupiter extensions
 * ({@link io.mesh4j.testkit.ConsulExtension}, {@link io.mesh4j.testkit.RedisClusterExtension}).
 * {@link io.mesh4j.testkit.FaultProxy} puts network faults (latency, drip, reset, black hole,
 * partition) between any client and any of them, with {@link io.mesh4j.testkit.FaultProxyExtension}.
 *
 * <p>Binaries come from the PATH or from {@code .tools/bin} of the repository, where
 * {@code scripts/install-services.sh} puts them. Where they are missing and a Docker engine
 * answers, the same processes run in containers on the host network (Testcontainers). Where
 * neither exists, starting fails with a message naming {@code scripts/install-services.sh};
 * tests are never skipped for it.
 */
package io.mesh4j.testkit;
