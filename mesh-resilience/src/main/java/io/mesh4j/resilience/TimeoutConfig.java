package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * Timeouts: one per attempt and one for the whole call (the deadline across all attempts and
 * backoffs). An attempt gets the smaller of its own timeout and what is left of the deadline.
 * {@link CallOptions} can override both per call. Immutable and thread safe.
 *
 * <p><b>The attempt timeout follows the service by default.</b> It is
 * {@value #DEFAULT_ATTEMPT_TIMEOUT_MULTIPLIER} times the p99 of the service's successful attempts
 * over the last 5 to 10 s, at least {@link #DEFAULT_ATTEMPT_TIMEOUT_MIN} (1 s) and at most
 * {@link #DEFAULT_ATTEMPT_TIMEOUT_MAX} (10 s); until {@value #ADAPTIVE_MIN_SAMPLES} successful
 * attempts were seen it is the maximum. So an instance that accepts and never answers, or
 * trickles its answer, holds an attempt for about a second on a LAN service instead of 10 s: the
 * attempt times out, is retried on another instance, and the timeouts eject the instance. A call
 * that is legitimately slower than that (an export, a long poll) sets its own timeout
 * ({@code MeshRequest.timeout}, {@link CallOptions.Builder#attemptTimeout}), or the service sets
 * a fixed one with {@link Builder#attemptTimeout(Duration)}.
 *
 * <p>Async attempts are cancelled when their timeout passes. A sync attempt is told its timeout
 * ({@link AttemptContext#timeout()}) to apply natively (OkHttp's call timeout, JDBC's query
 * timeout: blocking socket reads do not answer interrupts); a result that arrives after it is
 * discarded as a timeout. With {@link Builder#interruptSyncAttempts(boolean)} the calling thread
 * is also interrupted at the timeout, for code that honours interrupts.
 */
public final class TimeoutConfig {
  /** Default multiple of the service's p99 that an adaptive attempt timeout allows. */
  public static final double DEFAULT_ATTEMPT_TIMEOUT_MULTIPLIER = 5.0;
  /** Default least adaptive attempt timeout: 1 s. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT_MIN = Duration.ofSeconds(1);
  /** Default largest adaptive attempt timeout, also its value until enough samples: 10 s. */
  public static final Duration DEFAULT_ATTEMPT_TIMEOUT_MAX = Duration.ofSeconds(10);
  /** Default deadline of a whole call: 30 s. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
  /** Successful attempts in the window before an adaptive attempt timeout leaves its maximum. */
  public static final int ADAPTIVE_MIN_SAMPLES = 20;

  private static final TimeoutConfig DEFAULTS = builder().build();

  private final Duration attemptTimeout;
  private final boolean adaptive;
  private final double multiplier;
  private final Duration adaptiveMin;
  private final Duration callTimeout;
  private final boolean interruptSyncAttempts;

  private TimeoutConfig(Builder b) {
    this.attemptTimeout = b.attemptTimeout;
    this.adaptive = b.adaptive;
    this.multiplier = b.multiplier;
    this.adaptiveMin = b.adaptiveMin;
    this.callTimeout = b.callTimeout;
    this.interruptSyncAttempts = b.interruptSyncAttempts;
  }

  /**
   * The defaults: an adaptive attempt timeout (5 × p99, 1 s to 10 s), 30 s per call, no
   * interrupts.
   */
  public static TimeoutConfig defaults() {
    return DEFAULTS;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The timeout of one attempt: the fixed one, or the adaptive timeout's maximum. */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** Whether the attempt timeout follows the service's observed latency. */
  public boolean adaptive() {
    return adaptive;
  }

  /** The multiple of the service's p99 an adaptive attempt timeout allows. */
  public double adaptiveMultiplier() {
    return multiplier;
  }

  /** The least adaptive attempt timeout. */
  public Duration adaptiveMin() {
    return adaptiveMin;
  }

  /** The deadline of a whole call, retries and backoff included. */
  public Duration callTimeout() {
    return callTimeout;
  }

  /** Whether a sync attempt's thread is interrupted when its timeout passes. */
  public boolean interruptSyncAttempts() {
    return interruptSyncAttempts;
  }

  @Override
  public String toString() {
    return "TimeoutConfig{attempt=" + (adaptive ? multiplier + "xp99 in [" + adaptiveMin + ", " + attemptTimeout + "]"
        : attemptTimeout) + ", call=" + callTimeout + ", interrupt="
        + interruptSyncAttempts + "}";
  }

  /** Builds a {@link TimeoutConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private Duration attemptTimeout = DEFAULT_ATTEMPT_TIMEOUT_MAX;
    private boolean adaptive = true;
    private double multiplier = DEFAULT_ATTEMPT_TIMEOUT_MULTIPLIER;
    private Duration adaptiveMin = DEFAULT_ATTEMPT_TIMEOUT_MIN;
    private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
    private boolean interruptSyncAttempts;

    private Builder() {}

    /** A fixed timeout of one attempt, replacing the adaptive default. */
    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = Checks.notNull(attemptTimeout, "attemptTimeout");
      this.adaptive = false;
      return this;
    }

    /**
     * An attempt timeout of {@code multiplier} times the service's recent p99, between {@code min}
     * and {@code max} ({@code max} until {@value TimeoutConfig#ADAPTIVE_MIN_SAMPLES} successful
     * attempts were seen). The default, with {@value TimeoutConfig#DEFAULT_ATTEMPT_TIMEOUT_MULTIPLIER},
     * 1 s and 10 s.
     */
    public Builder adaptiveAttemptTimeout(double multiplier, Duration min, Duration max) {
      Checks.argument(multiplier >= 1, "adaptive attemptTimeout multiplier must be >= 1, was %s", multiplier);
      this.multiplier = multiplier;
      this.adaptiveMin = Checks.notNull(min, "adaptive attemptTimeout min");
      this.attemptTimeout = Checks.notNull(max, "adaptive attemptTimeout max");
      this.adaptive = true;
      return this;
    }

    /** The deadline of a whole call (default 30 s). */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Checks.notNull(callTimeout, "callTimeout");
      return this;
    }

    /** Interrupt a sync attempt's thread at its timeout (default false). */
    public Builder interruptSyncAttempts(boolean interrupt) {
      this.interruptSyncAttempts = interrupt;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the timeout that is not positive
     */
    public TimeoutConfig build() {
      Checks.positive(attemptTimeout, "attemptTimeout");
      Checks.positive(callTimeout, "callTimeout");
      if (adaptive) {
        Checks.positive(adaptiveMin, "adaptive attemptTimeout min");
        Checks.argument(adaptiveMin.compareTo(attemptTimeout) <= 0,
            "adaptive attemptTimeout min (%s) must be <= its max (%s)", adaptiveMin, attemptTimeout);
      }
      return new TimeoutConfig(this);
    }
  }
}
