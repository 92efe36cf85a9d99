package io.mesh4j.resilience.internal;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.MeshEventListener;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/** Everything the executor builder collected, validated. */
public record ExecutorSettings(
    Function<String, List<ServiceInstance>> instances,
    Function<String, List<ServiceInstance>> fallbackInstances,
    LoadBalancer loadBalancer,
    RetryConfig retry,
    RetryBudgetConfig retryBudget,
    OutlierEjectionConfig outlierEjection,
    CircuitBreakerConfig circuitBreaker,
    TimeoutConfig timeouts,
    BulkheadConfig bulkhead,
    RateLimiterConfig rateLimiter,
    HedgingConfig hedging,
    Ticker ticker,
    RandomGenerator random,
    ScheduledExecutorService scheduler,
    Executor asyncExecutor,
    List<MeshEventListener> listeners) {
}
