/**
 * The gateway's implementation: path patterns and the route table, authentication, the shared
 * rate limiter, header rules, the access log and the request handler. Not a public API.
 */
package io.mesh4j.examples.gateway.internal;
