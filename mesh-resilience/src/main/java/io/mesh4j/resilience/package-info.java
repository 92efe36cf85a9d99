/**
 * Resilience for calls to services: {@link io.mesh4j.resilience.ResilientExecutor} runs a call
 * through rate limit, bulkhead, service circuit breaker, retries on other instances under a retry
 * budget, outlier ejection and per-attempt timeouts, in that documented order. Configuration
 * objects ({@link io.mesh4j.resilience.RetryConfig}, {@link io.mesh4j.resilience.RetryBudgetConfig},
 * {@link io.mesh4j.resilience.OutlierEjectionConfig}, {@link io.mesh4j.resilience.CircuitBreakerConfig},
 * {@link io.mesh4j.resilience.TimeoutConfig}, {@link io.mesh4j.resilience.BulkheadConfig},
 * {@link io.mesh4j.resilience.RateLimiterConfig}) are immutable and validated when built.
 *
 * <p>Failsafe does part of the policy work inside; no Failsafe type appears here.
 */
package io.mesh4j.resilience;
