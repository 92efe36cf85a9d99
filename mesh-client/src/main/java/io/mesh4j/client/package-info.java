/**
 * {@link io.mesh4j.client.ServiceMeshClient}: calls services by name over HTTP (OkHttp) with
 * discovery, load balancing, the resilience policies of mesh-resilience, credentials, TLS per
 * service and an opt-in GET response cache on mesh-cache.
 */
package io.mesh4j.client;
