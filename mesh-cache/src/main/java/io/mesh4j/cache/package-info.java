/**
 * The distributed and two-level caches. Not implemented yet: see the mesh-cache issue; this
 * module holds no working code in 0.1.0-SNAPSHOT.
 */
package io.mesh4j.cache;
