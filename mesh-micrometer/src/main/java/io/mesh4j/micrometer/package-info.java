/**
 * Micrometer for mesh4j: {@link io.mesh4j.micrometer.MeshObservations} turns every call and attempt
 * of a {@link io.mesh4j.client.ServiceMeshClient} into Observations (metrics and, with Micrometer
 * Tracing, spans that carry W3C trace context to the backend); {@link io.mesh4j.micrometer.MeshMeters}
 * turns the events of the resilience, discovery and cache modules into meters;
 * {@link io.mesh4j.micrometer.MeshCacheMetrics} exposes cache counters. Nothing here runs unless it
 * is attached. Meter and span names are listed in {@code docs/observability.md}.
 */
package io.mesh4j.micrometer;
