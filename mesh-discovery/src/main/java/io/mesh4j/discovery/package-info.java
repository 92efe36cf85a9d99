/**
 * Consul registration and discovery. Not implemented yet: see the mesh-discovery issue; this
 * module holds no working code in 0.1.0-SNAPSHOT.
 */
package io.mesh4j.discovery;
