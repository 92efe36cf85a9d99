/**
 * Spring's HTTP clients on the mesh: {@link io.mesh4j.spring.boot.autoconfigure.web.MeshClientHttpRequestFactory}
 * turns each {@code RestClient} exchange to {@code http://<service-name>/...} into one
 * {@code ServiceMeshClient} call, and {@link io.mesh4j.spring.boot.autoconfigure.web.MeshRestClients}
 * makes {@code RestClient}s and HTTP interface clients ({@code @HttpExchange}) on it.
 */
package io.mesh4j.spring.boot.autoconfigure.web;
