/**
 * The caller: an {@code @HttpExchange} interface to the user-service, routed through the mesh by the
 * starter's {@code MeshRestClients}, behind a {@code @Cacheable} service on the two-level cache.
 */
package io.mesh4j.examples.spring.caller;
