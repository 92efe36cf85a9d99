/**
 * Real services for tests, no Docker needed: {@link io.mesh4j.testkit.ConsulAgent} (a Consul dev
 * agent) and {@link io.mesh4j.testkit.RedisCluster} (six redis-server processes, three masters and
 * three replicas, to which masters can be added and from which they can be removed, with
 * {@link io.mesh4j.testkit.RedisResharding} to move slots) on free loopback ports, with JUnit Jupiter extensions
 * ({@link io.mesh4j.testkit.ConsulExtension}, {@link io.mesh4j.testkit.RedisClusterExtension}).
 * {@link io.mesh4j.testkit.FaultProxy} puts network faults (latency, drip, reset, black hole,
 * partition) between any client and any of them, with {@link io.mesh4j.testkit.FaultProxyExtension}.
 * {@link io.mesh4j.testkit.ConsulCluster} ({@link io.mesh4j.testkit.ConsulClusterExtension}) is the
 * production topology: three Consul servers, a client agent, optionally a second datacenter joined
 * over the WAN, with the leader to kill and a new one to wait for.
 *
 * <p>Binaries ({@code consul} 1.8 or newer, {@code redis-server} 7 or newer) are looked up, in
 * order, in the directory named by the environment variable {@code MESH4J_TOOLS_DIR}, in
 * {@code .tools/bin} of the mesh4j repository (where its {@code scripts/install-services.sh}
 * puts them), on the {@code PATH}, and in {@code /usr/bin} and {@code /usr/local/bin}. Where they
 * are missing, {@code org.testcontainers:testcontainers} is on the test class path (an optional
 * dependency: add it to use this fallback) and a Docker engine answers, the same processes run in
 * containers on the host network. Where neither works, starting fails with a message that lists the
 * folders searched and says what to install or set; tests are never skipped for it. A complete
 * example of testing your own service: {@code docs/testing-your-service.md}.
 */
package io.mesh4j.testkit;
