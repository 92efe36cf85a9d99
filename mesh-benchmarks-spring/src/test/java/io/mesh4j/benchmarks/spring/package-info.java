/**
 * mesh4j next to Spring Cloud on the same Consul agent, backends and Redis Cluster:
 * {@link io.mesh4j.benchmarks.spring.SpringSideBySideBench}.
 */
package io.mesh4j.benchmarks.spring;
