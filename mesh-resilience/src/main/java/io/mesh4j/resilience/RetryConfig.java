package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * How a failed attempt is retried: how many attempts in all, the exponential backoff with full
 * jitter between them, how far a server's retry-delay hint (HTTP {@code Retry-After}) is
 * honoured, and whether calls not marked idempotent may be retried. Immutable and thread safe.
 *
 * <p>Every retry also needs a token from the service's {@link RetryBudgetConfig retry budget}
 * and must fit in the call's deadline ({@link TimeoutConfig#callTimeout()}).
 *
 * <pre>{@code
 * RetryConfig retry = RetryConfig.builder().maxAttempts(3).backoff(ofMillis(50), ofSeconds(1)).build();
 * }</pre>
 */
public final class RetryConfig {
  /** Default of {@link Builder#maxAttempts(int)}. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** Default base of the backoff. */
  public static final Duration DEFAULT_BACKOFF_BASE = Duration.ofMillis(50);
  /** Default cap of the backoff. */
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(1);
  /** Default cap of a server's retry-delay hint. */
  public static final Duration DEFAULT_RETRY_AFTER_MAX = Duration.ofSeconds(5);

  private static final RetryConfig DEFAULTS = builder().build();

  private final int maxAttempts;
  private final Duration backoffBase;
  private final Duration backoffMax;
  private final Duration retryAfterMax;
  private final boolean retryNonIdempotent;

  private RetryConfig(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.backoffBase = b.backoffBase;
    this.backoffMax = b.backoffMax;
    this.retryAfterMax = b.retryAfterMax;
    this.retryNonIdempotent = b.retryNonIdempotent;
  }

  /** The defaults: 3 attempts, backoff 50 ms to 1 s with full jitter, Retry-After honoured up to 5 s, idempotent calls only. */
  public static RetryConfig defaults() {
    return DEFAULTS;
  }

  /** No retries: one attempt per call. */
  public static RetryConfig disabled() {
    return builder().maxAttempts(1).build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxAttempts = maxAttempts;
    b.backoffBase = backoffBase;
    b.backoffMax = backoffMax;
    b.retryAfterMax = retryAfterMax;
    b.retryNonIdempotent = retryNonIdempotent;
    return b;
  }

  /** Attempts per call, the first included; 1 means no retry. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff before the first retry is drawn uniformly from zero to this. */
  public Duration backoffBase() {
    return backoffBase;
  }

  /** The upper bound of the (doubling) backoff window. */
  public Duration backoffMax() {
    return backoffMax;
  }

  /** A server's retry-delay hint is honoured up to this; longer hints are cut to it. */
  public Duration retryAfterMax() {
    return retryAfterMax;
  }

  /** Whether calls not marked idempotent are retried too (default false). */
  public boolean retryNonIdempotent() {
    return retryNonIdempotent;
  }

  @Override
  public String toString() {
    return "RetryConfig{maxAttempts=" + maxAttempts + ", backoff=" + backoffBase + ".." + backoffMax
        + ", retryAfterMax=" + retryAfterMax + ", retryNonIdempotent=" + retryNonIdempotent + "}";
  }

  /** Builds a {@link RetryConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration backoffBase = DEFAULT_BACKOFF_BASE;
    private Duration backoffMax = DEFAULT_BACKOFF_MAX;
    private Duration retryAfterMax = DEFAULT_RETRY_AFTER_MAX;
    private boolean retryNonIdempotent;

    private Builder() {}

    /** Attempts per call including the first; at least 1. */
    public Builder maxAttempts(int maxAttempts) {
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Exponential backoff with full jitter: before retry k the executor waits a uniformly random
     * time in {@code [0, min(max, base * 2^(k-1))]}.
     *
     * @throws NullPointerException if either is null
     */
    public Builder backoff(Duration base, Duration max) {
      this.backoffBase = Checks.notNull(base, "backoff base");
      this.backoffMax = Checks.notNull(max, "backoff max");
      return this;
    }

    /** The most a server's retry-delay hint is honoured; zero ignores hints. */
    public Builder retryAfterMax(Duration retryAfterMax) {
      this.retryAfterMax = Checks.notNull(retryAfterMax, "retryAfterMax");
      return this;
    }

    /** Whether to retry calls not marked idempotent (they may have had an effect). */
    public Builder retryNonIdempotent(boolean retryNonIdempotent) {
      this.retryNonIdempotent = retryNonIdempotent;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public RetryConfig build() {
      Checks.argument(maxAttempts >= 1, "maxAttempts must be >= 1, was %d", maxAttempts);
      Checks.notNegative(backoffBase, "backoff base");
      Checks.notNegative(backoffMax, "backoff max");
      Checks.argument(backoffMax.compareTo(backoffBase) >= 0,
          "backoff max (%s) must be >= backoff base (%s)", backoffMax, backoffBase);
      Checks.notNegative(retryAfterMax, "retryAfterMax");
      return new RetryConfig(this);
    }
  }
}
