/** Tests of mesh-resilience's internals: budget windows, ejection, breaker, backoff arithmetic. */
package io.mesh4j.resilience.internal;
