/**
 * Implementation of mesh-discovery: the Consul client factory, the blocking-query watch loop, the
 * heartbeat and the helpers they share. Not a public API: anything here may change in any release.
 */
package io.mesh4j.discovery.internal;
