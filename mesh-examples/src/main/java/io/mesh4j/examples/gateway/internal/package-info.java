/**
 * The gateway's implementation: path patterns and the route table, authentication, the shared
 * rate limiter, header rules, the access log, the request handler and the Jetty server with its
 * limits (header timeout, connection and request caps). Not a public API.
 */
package io.mesh4j.examples.gateway.internal;
