package io.mesh4j.client;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.internal.Checks;
import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import java.util.function.UnaryOperator;

/**
 * Settings of the client as a whole or of one service: the resilience policies, TLS and (per
 * service only) credentials. A per-service setting left unset takes the client's. Used inside
 * {@link ServiceMeshClient.Builder#service(String, java.util.function.Consumer)}. Not thread safe.
 */
public final class ServiceSettings {
  LoadBalancer loadBalancer;
  RetryConfig retry;
  RetryBudgetConfig retryBudget;
  OutlierEjectionConfig outlierEjection;
  CircuitBreakerConfig circuitBreaker;
  TimeoutConfig timeouts;
  BulkheadConfig bulkhead;
  RateLimiterConfig rateLimiter;
  HedgingConfig hedging;
  ServiceTls tls;
  boolean requireTls;
  long maxResponseBytes;
  CredentialsProvider credentials;
  boolean allowCleartextCredentials;

  ServiceSettings() {}

  /** The retry policy. */
  public ServiceSettings retry(RetryConfig retry) {
    this.retry = Checks.notNull(retry, "retry");
    return this;
  }

  /** The retry policy, configured from its defaults: {@code r -> r.maxAttempts(3)}. */
  public ServiceSettings retry(UnaryOperator<RetryConfig.Builder> retry) {
    return retry(Checks.notNull(retry, "retry").apply(RetryConfig.builder()).build());
  }

  /** The retry budget. */
  public ServiceSettings retryBudget(RetryBudgetConfig retryBudget) {
    this.retryBudget = Checks.notNull(retryBudget, "retryBudget");
    return this;
  }

  /** Outlier ejection of instances. */
  public ServiceSettings outlierEjection(OutlierEjectionConfig outlierEjection) {
    this.outlierEjection = Checks.notNull(outlierEjection, "outlierEjection");
    return this;
  }

  /** The service circuit breaker. */
  public ServiceSettings circuitBreaker(CircuitBreakerConfig circuitBreaker) {
    this.circuitBreaker = Checks.notNull(circuitBreaker, "circuitBreaker");
    return this;
  }

  /** The service circuit breaker, configured from its defaults. */
  public ServiceSettings circuitBreaker(UnaryOperator<CircuitBreakerConfig.Builder> circuitBreaker) {
    return circuitBreaker(Checks.notNull(circuitBreaker, "circuitBreaker").apply(CircuitBreakerConfig.builder()).build());
  }

  /** Per-attempt and per-call timeouts. */
  public ServiceSettings timeouts(TimeoutConfig timeouts) {
    this.timeouts = Checks.notNull(timeouts, "timeouts");
    return this;
  }

  /** The bulkhead (concurrent calls). */
  public ServiceSettings bulkhead(BulkheadConfig bulkhead) {
    this.bulkhead = Checks.notNull(bulkhead, "bulkhead");
    return this;
  }

  /** The rate limiter. */
  public ServiceSettings rateLimiter(RateLimiterConfig rateLimiter) {
    this.rateLimiter = Checks.notNull(rateLimiter, "rateLimiter");
    return this;
  }

  /**
   * Hedged requests for this service's idempotent calls (off by default):
   * {@code s -> s.hedging(HedgingConfig.percentileDelay(95))}.
   */
  public ServiceSettings hedging(HedgingConfig hedging) {
    this.hedging = Checks.notNull(hedging, "hedging");
    return this;
  }

  /** This service's load balancer, instead of the client-wide one. */
  public ServiceSettings loadBalancer(LoadBalancer loadBalancer) {
    this.loadBalancer = Checks.notNull(loadBalancer, "loadBalancer");
    return this;
  }

  /** TLS material for this service's instances (https). */
  public ServiceSettings tls(ServiceTls tls) {
    this.tls = Checks.notNull(tls, "tls");
    return this;
  }

  /** Reach every instance over https, even those not marked secure by discovery. */
  public ServiceSettings requireTls(boolean requireTls) {
    this.requireTls = requireTls;
    return this;
  }

  /**
   * The largest response body read into memory, in bytes (default
   * {@link ServiceMeshClient.Builder#DEFAULT_MAX_RESPONSE_BYTES}, 16 MiB). Checked against
   * Content-Length before reading, then counted while reading, after gzip decoding; a larger
   * answer fails with {@link ResponseTooLargeException}, not retried. Streams
   * ({@link MeshRequest#asStream()}) are not bounded by it.
   */
  public ServiceSettings maxResponseBytes(long maxResponseBytes) {
    Checks.argument(maxResponseBytes >= 1, "maxResponseBytes must be >= 1, was %d", maxResponseBytes);
    this.maxResponseBytes = maxResponseBytes;
    return this;
  }

  /**
   * The credentials of this service, read again on every attempt (rotation needs no restart).
   * They go to this service's instances only, and only over https unless
   * {@link #allowCleartextCredentials(boolean)}. Only per service: on the client as a whole, use
   * {@link ServiceMeshClient.Builder#credentialsForAllServices}.
   */
  public ServiceSettings credentials(CredentialsProvider credentials) {
    this.credentials = Checks.notNull(credentials, "credentials");
    return this;
  }

  /**
   * Lets this service's credentials (its own or the client's for all services) travel over
   * cleartext http (default false: an attempt that would fails with
   * {@link CleartextCredentialsException} and sends nothing). For tests and loopback sidecars.
   * Only per service.
   */
  public ServiceSettings allowCleartextCredentials(boolean allow) {
    this.allowCleartextCredentials = allow;
    return this;
  }

  boolean overridesResilience() {
    return loadBalancer != null || retry != null || retryBudget != null || outlierEjection != null
        || circuitBreaker != null || timeouts != null || bulkhead != null || rateLimiter != null || hedging != null;
  }
}
