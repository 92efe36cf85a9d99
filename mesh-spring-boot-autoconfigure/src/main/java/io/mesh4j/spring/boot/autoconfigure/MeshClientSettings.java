package io.mesh4j.spring.boot.autoconfigure;

import java.time.Duration;

/**
 * Resilience settings of the {@code ServiceMeshClient}, client-wide under {@code mesh4j.client.*}
 * and per service under {@code mesh4j.client.services.<name>.*}. A per-service value left unset
 * takes the client-wide one, then the library default, setting by setting (a service that sets
 * only {@code breaker.open-for} keeps the client's failure rate). Unset everywhere: the library's
 * defaults.
 */
public class MeshClientSettings {
  /**
   * How an instance is picked: round-robin, least-outstanding or peak-ewma; client-wide default
   * round-robin, a service without its own uses the client-wide one.
   */
  private String loadBalancer;
  /** Retries. */
  private final Retry retry = new Retry();
  /** The retry budget: retries as a share of calls. */
  private final RetryBudget retryBudget = new RetryBudget();
  /** The service's circuit breaker. */
  private final Breaker breaker = new Breaker();
  /** Outlier ejection of instances. */
  private final Ejection outlierEjection = new Ejection();
  /** Calls in flight. */
  private final Bulkhead bulkhead = new Bulkhead();
  /** A client-side rate limit (smooth: one call every period / permits). */
  private final RateLimit rateLimit = new RateLimit();
  /** Hedging of idempotent calls: a second attempt on another instance when the first is slow. */
  private final Hedging hedging = new Hedging();
  /** A fixed per-attempt timeout; default the library's adaptive timeout (p99-based, 1-10 s). */
  private Duration attemptTimeout;
  /** The deadline of a whole call, retries and backoff included; default 30s. */
  private Duration callTimeout;
  /** The largest response body read into memory, in bytes; default 16 MiB. */
  private Long maxResponseBytes;
  /**
   * The name of a CredentialsProvider bean whose credentials are sent: per service to that service,
   * client-wide to every service. A name, never the secret itself.
   */
  private String credentials;
  /** Per service only: let its credentials travel over cleartext http (tests, loopback); default false. */
  private Boolean allowCleartextCredentials;

  public String getLoadBalancer() {
    return loadBalancer;
  }

  public void setLoadBalancer(String loadBalancer) {
    this.loadBalancer = loadBalancer;
  }

  public Retry getRetry() {
    return retry;
  }

  public RetryBudget getRetryBudget() {
    return retryBudget;
  }

  public Breaker getBreaker() {
    return breaker;
  }

  public Ejection getOutlierEjection() {
    return outlierEjection;
  }

  public Bulkhead getBulkhead() {
    return bulkhead;
  }

  public RateLimit getRateLimit() {
    return rateLimit;
  }

  public Hedging getHedging() {
    return hedging;
  }

  public Duration getAttemptTimeout() {
    return attemptTimeout;
  }

  public void setAttemptTimeout(Duration attemptTimeout) {
    this.attemptTimeout = attemptTimeout;
  }

  public Duration getCallTimeout() {
    return callTimeout;
  }

  public void setCallTimeout(Duration callTimeout) {
    this.callTimeout = callTimeout;
  }

  public String getCredentials() {
    return credentials;
  }

  public void setCredentials(String credentials) {
    this.credentials = credentials;
  }

  public Boolean getAllowCleartextCredentials() {
    return allowCleartextCredentials;
  }

  public void setAllowCleartextCredentials(Boolean allowCleartextCredentials) {
    this.allowCleartextCredentials = allowCleartextCredentials;
  }

  public Long getMaxResponseBytes() {
    return maxResponseBytes;
  }

  public void setMaxResponseBytes(Long maxResponseBytes) {
    this.maxResponseBytes = maxResponseBytes;
  }

  /** {@code retry.*}. */
  public static class Retry {
    /** Attempts per call including the first (at least 1); default 3. */
    private Integer maxAttempts;
    /** The first backoff before a retry (full jitter); default 50ms. */
    private Duration backoffBase;
    /** The longest backoff; default 1s. */
    private Duration backoffMax;

    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getBackoffBase() {
      return backoffBase;
    }

    public void setBackoffBase(Duration backoffBase) {
      this.backoffBase = backoffBase;
    }

    public Duration getBackoffMax() {
      return backoffMax;
    }

    public void setBackoffMax(Duration backoffMax) {
      this.backoffMax = backoffMax;
    }
  }

  /** {@code retry-budget.*}. */
  public static class RetryBudget {
    /** Whether retries are bounded by a budget; default true. */
    private Boolean enabled;
    /** Retries allowed as a share of calls (0-1); default 0.2. */
    private Double ratio;
    /** Retries always allowed per second, whatever the ratio; default 10. */
    private Integer minRetriesPerSecond;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public Double getRatio() {
      return ratio;
    }

    public void setRatio(Double ratio) {
      this.ratio = ratio;
    }

    public Integer getMinRetriesPerSecond() {
      return minRetriesPerSecond;
    }

    public void setMinRetriesPerSecond(Integer minRetriesPerSecond) {
      this.minRetriesPerSecond = minRetriesPerSecond;
    }
  }

  /** {@code breaker.*}. */
  public static class Breaker {
    /** Whether the service has a circuit breaker; default true. */
    private Boolean enabled;
    /** The failure rate (percent, 1-100) that opens it; default 50. */
    private Integer failureRate;
    /** The fewest calls in the window before the rate counts; default 20. */
    private Integer minimumCalls;
    /** The window the rate is measured over; default 10s. */
    private Duration window;
    /** How long it stays open before trial calls; default 30s. */
    private Duration openFor;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public Integer getFailureRate() {
      return failureRate;
    }

    public void setFailureRate(Integer failureRate) {
      this.failureRate = failureRate;
    }

    public Integer getMinimumCalls() {
      return minimumCalls;
    }

    public void setMinimumCalls(Integer minimumCalls) {
      this.minimumCalls = minimumCalls;
    }

    public Duration getWindow() {
      return window;
    }

    public void setWindow(Duration window) {
      this.window = window;
    }

    public Duration getOpenFor() {
      return openFor;
    }

    public void setOpenFor(Duration openFor) {
      this.openFor = openFor;
    }
  }

  /** {@code outlier-ejection.*}. */
  public static class Ejection {
    /** Whether failing instances are ejected; default true. */
    private Boolean enabled;
    /** Consecutive failures that eject an instance; default 5. */
    private Integer consecutiveFailures;
    /** The most instances ejected at once, in percent; default 50. */
    private Integer maxEjectionPercent;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public Integer getConsecutiveFailures() {
      return consecutiveFailures;
    }

    public void setConsecutiveFailures(Integer consecutiveFailures) {
      this.consecutiveFailures = consecutiveFailures;
    }

    public Integer getMaxEjectionPercent() {
      return maxEjectionPercent;
    }

    public void setMaxEjectionPercent(Integer maxEjectionPercent) {
      this.maxEjectionPercent = maxEjectionPercent;
    }
  }

  /** {@code bulkhead.*}. */
  public static class Bulkhead {
    /** Whether concurrent calls are bounded; default true. */
    private Boolean enabled;
    /** The most calls in flight to the service. */
    private Integer maxConcurrentCalls;
    /** How long a call may wait for a slot. */
    private Duration maxWait;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public Integer getMaxConcurrentCalls() {
      return maxConcurrentCalls;
    }

    public void setMaxConcurrentCalls(Integer maxConcurrentCalls) {
      this.maxConcurrentCalls = maxConcurrentCalls;
    }

    public Duration getMaxWait() {
      return maxWait;
    }

    public void setMaxWait(Duration maxWait) {
      this.maxWait = maxWait;
    }
  }

  /** {@code rate-limit.*}: set both to turn it on. */
  public static class RateLimit {
    /** Calls allowed per period. */
    private Long permits;
    /** The period of the permits, e.g. 1s. */
    private Duration period;

    public Long getPermits() {
      return permits;
    }

    public void setPermits(Long permits) {
      this.permits = permits;
    }

    public Duration getPeriod() {
      return period;
    }

    public void setPeriod(Duration period) {
      this.period = period;
    }
  }

  /** {@code hedging.*}: off unless {@code enabled} is true or a delay or percentile is set. */
  public static class Hedging {
    /** Whether idempotent calls are hedged; default false (true when delay or percentile is set). */
    private Boolean enabled;
    /** A fixed delay before the hedge, e.g. 100ms; excludes percentile. */
    private Duration delay;
    /** Hedge after this percentile (above 0, below 100) of recent attempts; default 95. */
    private Double percentile;
    /** Hedges per call at most (at least 1); default 1. */
    private Integer maxHedges;
    /** The least percentile delay; default 1ms. */
    private Duration minDelay;

    public Boolean getEnabled() {
      return enabled;
    }

    public void setEnabled(Boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getDelay() {
      return delay;
    }

    public void setDelay(Duration delay) {
      this.delay = delay;
    }

    public Double getPercentile() {
      return percentile;
    }

    public void setPercentile(Double percentile) {
      this.percentile = percentile;
    }

    public Integer getMaxHedges() {
      return maxHedges;
    }

    public void setMaxHedges(Integer maxHedges) {
      this.maxHedges = maxHedges;
    }

    public Duration getMinDelay() {
      return minDelay;
    }

    public void setMinDelay(Duration minDelay) {
      this.minDelay = minDelay;
    }
  }
}
