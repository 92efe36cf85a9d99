/**
 * An API gateway on {@link io.mesh4j.client.ServiceMeshClient}: an HTTP server whose route table
 * (read from a JSON file by {@link io.mesh4j.examples.gateway.GatewayConfig}) sends each request
 * to a backend service found in Consul, with per-route authentication (API keys, HS256 JWTs),
 * a rate limit per client shared by every gateway instance through Redis Cluster, a response
 * cache, timeouts and retries. {@link io.mesh4j.examples.gateway.ApiGateway} is the server and
 * its {@code main}.
 */
package io.mesh4j.examples.gateway;
