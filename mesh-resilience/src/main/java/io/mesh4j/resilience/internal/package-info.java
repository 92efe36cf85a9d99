/**
 * Implementation of mesh-resilience. Not a public API: anything in this package can be changed or
 * removed in any release. Failsafe types are used here only.
 */
package io.mesh4j.resilience.internal;
