/**
 * Resilience policies. Not implemented yet: see the mesh-resilience issue; this module holds no
 * working code in 0.1.0-SNAPSHOT.
 */
package io.mesh4j.resilience;
