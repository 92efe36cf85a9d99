package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * The bulkhead of a service: at most {@link #maxConcurrentCalls()} calls in flight (retries and
 * backoff included); a sync call may wait up to {@link #maxWait()} for a slot, an async call never
 * waits. A call that finds no slot fails with {@code RejectedException(BULKHEAD)}.
 *
 * <p>Within it, each instance (host and port) has at most {@link #maxAttemptsPerInstance()}
 * attempts in flight: an instance that holds that many is passed over for the next attempts, so
 * one instance that accepts and never answers cannot take every slot of its service. When every
 * selectable instance is at its bound the call fails with {@code RejectedException(BULKHEAD)}.
 * Immutable.
 */
public final class BulkheadConfig {
  /** Default calls in flight per service. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 256;
  /** Default attempts in flight per instance. */
  public static final int DEFAULT_MAX_ATTEMPTS_PER_INSTANCE = 64;

  private static final BulkheadConfig DEFAULTS = builder().build();
  private static final BulkheadConfig DISABLED = new BulkheadConfig(builder(), false);

  private final boolean enabled;
  private final int maxConcurrentCalls;
  private final Duration maxWait;
  private final int maxAttemptsPerInstance;

  private BulkheadConfig(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.maxConcurrentCalls = b.maxConcurrentCalls;
    this.maxWait = b.maxWait;
    this.maxAttemptsPerInstance = b.maxAttemptsPerInstance;
  }

  /** The defaults: 256 concurrent calls per service, no wait, 64 attempts in flight per instance. */
  public static BulkheadConfig defaults() {
    return DEFAULTS;
  }

  /** No bulkhead. */
  public static BulkheadConfig disabled() {
    return DISABLED;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** False for {@link #disabled()}. */
  public boolean enabled() {
    return enabled;
  }

  /** Calls in flight per service. */
  public int maxConcurrentCalls() {
    return maxConcurrentCalls;
  }

  /** How long a sync call waits for a slot. */
  public Duration maxWait() {
    return maxWait;
  }

  /** Attempts in flight per instance. */
  public int maxAttemptsPerInstance() {
    return maxAttemptsPerInstance;
  }

  @Override
  public String toString() {
    return enabled ? "BulkheadConfig{max=" + maxConcurrentCalls + ", maxWait=" + maxWait
        + ", perInstance=" + maxAttemptsPerInstance + "}" : "BulkheadConfig{disabled}";
  }

  /** Builds a {@link BulkheadConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private int maxConcurrentCalls = DEFAULT_MAX_CONCURRENT_CALLS;
    private Duration maxWait = Duration.ZERO;
    private int maxAttemptsPerInstance = DEFAULT_MAX_ATTEMPTS_PER_INSTANCE;

    private Builder() {}

    /** Calls in flight per service (at least 1). */
    public Builder maxConcurrentCalls(int maxConcurrentCalls) {
      this.maxConcurrentCalls = maxConcurrentCalls;
      return this;
    }

    /** How long a sync call may wait for a slot; keep it short (default zero). */
    public Builder maxWait(Duration maxWait) {
      this.maxWait = Checks.notNull(maxWait, "maxWait");
      return this;
    }

    /** Attempts in flight per instance (at least 1, default {@value BulkheadConfig#DEFAULT_MAX_ATTEMPTS_PER_INSTANCE}). */
    public Builder maxAttemptsPerInstance(int maxAttemptsPerInstance) {
      Checks.argument(maxAttemptsPerInstance >= 1, "maxAttemptsPerInstance must be >= 1, was %d",
          maxAttemptsPerInstance);
      this.maxAttemptsPerInstance = maxAttemptsPerInstance;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public BulkheadConfig build() {
      Checks.argument(maxConcurrentCalls >= 1, "maxConcurrentCalls must be >= 1, was %d", maxConcurrentCalls);
      Checks.notNegative(maxWait, "maxWait");
      return new BulkheadConfig(this, true);
    }
  }
}
