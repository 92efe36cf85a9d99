package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * Timeouts: one per attempt and one for the whole call (the deadline across all attempts and
 * backoffs). An attempt gets the smaller of its own timeout and what is left of the deadline.
 * {@link CallOptions} can override both per call. Immutable and thread safe.
 *
 * <p>Async attempts are cancelled when their timeout passes. A sync attempt is told its timeout
 * ({@link AttemptContext#timeout()}) to apply natively (OkHttp's call timeout, JDBC's query
 * timeout: blocking socket reads do not answer interrupts); a result that arrives after it is
 * discarded as a timeout. With {@link Builder#interruptSyncAttempts(boolean)} the calling thread
 * is also interrupted at the timeout, for code that honours interrupts.
 */
public final class TimeoutConfig {
  private static final TimeoutConfig DEFAULTS = builder().build();

  private final Duration attemptTimeout;
  private final Duration callTimeout;
  private final boolean interruptSyncAttempts;

  private TimeoutConfig(Builder b) {
    this.attemptTimeout = b.attemptTimeout;
    this.callTimeout = b.callTimeout;
    this.interruptSyncAttempts = b.interruptSyncAttempts;
  }

  /** The defaults: 10 s per attempt, 30 s per call, no interrupts. */
  public static TimeoutConfig defaults() {
    return DEFAULTS;
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The timeout of one attempt. */
  public Duration attemptTimeout() {
    return attemptTimeout;
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
    return "TimeoutConfig{attempt=" + attemptTimeout + ", call=" + callTimeout + ", interrupt="
        + interruptSyncAttempts + "}";
  }

  /** Builds a {@link TimeoutConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private Duration attemptTimeout = Duration.ofSeconds(10);
    private Duration callTimeout = Duration.ofSeconds(30);
    private boolean interruptSyncAttempts;

    private Builder() {}

    /** The timeout of one attempt (default 10 s). */
    public Builder attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = Checks.notNull(attemptTimeout, "attemptTimeout");
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
      return new TimeoutConfig(this);
    }
  }
}
