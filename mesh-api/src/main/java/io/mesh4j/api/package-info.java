/**
 * The contracts of mesh4j: {@link io.mesh4j.api.ServiceInstance}, {@link io.mesh4j.api.ServiceDiscovery},
 * {@link io.mesh4j.api.ServiceRegistry}, {@link io.mesh4j.api.LoadBalancer}, the listener and event base
 * types, and the {@link io.mesh4j.api.MeshException} hierarchy.
 *
 * <p>Nothing here knows Consul, Redis, Failsafe or OkHttp; the other modules implement these types.
 */
package io.mesh4j.api;
