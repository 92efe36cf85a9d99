/**
 * The user-service: a plain Spring MVC controller; the starter registers it in Consul when it is
 * ready (HTTP check on its actuator health endpoint) and deregisters it first on shutdown.
 */
package io.mesh4j.examples.spring.users;
