/**
 * Consul registration and discovery for mesh4j.
 *
 * <p>{@link io.mesh4j.discovery.ConsulDiscovery} implements
 * {@link io.mesh4j.api.ServiceDiscovery}: one blocking query per watched service on Consul's
 * health endpoint keeps a local snapshot that {@code instances(service)} answers from, and that
 * survives Consul outages (the last known good list is kept; listeners never hear of an empty list
 * because Consul could not be reached). {@link io.mesh4j.discovery.ConsulRegistry} implements
 * {@link io.mesh4j.api.ServiceRegistry}: registration with an HTTP or TTL check, a heartbeat for
 * TTL checks, re-registration when the agent forgot us, deregistration on close.
 *
 * <p>Metrics hooks are {@link io.mesh4j.api.MeshEvent}s: {@link io.mesh4j.discovery.WatchSyncedEvent},
 * {@link io.mesh4j.discovery.WatchFailedEvent}, {@link io.mesh4j.discovery.HeartbeatFailedEvent}
 * and {@link io.mesh4j.discovery.ServiceReregisteredEvent}.
 */
package io.mesh4j.discovery;
