/**
 * Spring Boot 4 auto-configuration of mesh4j: the {@code mesh4j.*} properties
 * ({@link io.mesh4j.spring.boot.autoconfigure.Mesh4jProperties}), Consul discovery, the
 * {@code ServiceMeshClient}, the Redis Cluster connection, a cache factory and a Spring
 * {@code CacheManager} on {@code TwoLevelCache}, and mesh-micrometer's meters and observations.
 * Every bean backs off when the application defines its own. See {@code docs/spring-boot.md}.
 */
package io.mesh4j.spring.boot.autoconfigure;
