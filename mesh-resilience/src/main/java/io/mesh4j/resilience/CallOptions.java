package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Options of one call: whether it is idempotent (only idempotent calls are retried, unless
 * {@link RetryConfig#retryNonIdempotent()}), timeouts overriding {@link TimeoutConfig}, how
 * outcomes are classified, and a fallback. Immutable; build once and reuse.
 *
 * <pre>{@code
 * CallOptions<Response> get = CallOptions.<Response>builder()
 *     .idempotent(true)
 *     .classifier(r -> r.code() == 503 ? Outcome.retryableFailure() : Outcome.success())
 *     .build();
 * }</pre>
 *
 * @param <T> the result type
 */
public final class CallOptions<T> {
  private static final CallOptions<Object> DEFAULTS = new Builder<Object>().build();
  private static final CallOptions<Object> IDEMPOTENT = new Builder<Object>().idempotent(true).build();

  private final boolean idempotent;
  private final Duration attemptTimeout;
  private final int maxAttempts;
  private final Duration callTimeout;
  private final OutcomeClassifier<? super T> classifier;
  private final Function<? super Throwable, ? extends T> fallback;

  private CallOptions(Builder<T> b) {
    this.idempotent = b.idempotent;
    this.attemptTimeout = b.attemptTimeout;
    this.maxAttempts = b.maxAttempts;
    this.callTimeout = b.callTimeout;
    this.classifier = b.classifier;
    this.fallback = b.fallback;
  }

  /** A non-idempotent call with the executor's timeouts, every returned value a success, no fallback. */
  @SuppressWarnings("unchecked") // holds no T: its classifier accepts any value and it has no fallback
  public static <T> CallOptions<T> defaults() {
    return (CallOptions<T>) DEFAULTS;
  }

  /** As {@link #defaults()}, but idempotent: failed attempts may be retried. */
  @SuppressWarnings("unchecked") // holds no T, as above
  public static <T> CallOptions<T> idempotent() {
    return (CallOptions<T>) IDEMPOTENT;
  }

  /** A builder holding the defaults. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /** Whether the call may be repeated safely. */
  public boolean isIdempotent() {
    return idempotent;
  }

  /** The attempt-count override (first attempt included); empty to use the retry policy's. */
  public OptionalInt maxAttempts() {
    return maxAttempts == 0 ? OptionalInt.empty() : OptionalInt.of(maxAttempts);
  }

  /** The per-attempt timeout override; null to use the executor's. */
  public Duration attemptTimeout() {
    return attemptTimeout;
  }

  /** The call deadline override; null to use the executor's. */
  public Duration callTimeout() {
    return callTimeout;
  }

  /** How outcomes are judged. */
  public OutcomeClassifier<? super T> classifier() {
    return classifier;
  }

  /** The fallback; null when none. */
  public Function<? super Throwable, ? extends T> fallback() {
    return fallback;
  }

  @Override
  public String toString() {
    return "CallOptions{idempotent=" + idempotent + ", maxAttempts=" + (maxAttempts == 0 ? "policy" : maxAttempts)
        + ", attemptTimeout=" + attemptTimeout + ", callTimeout="
        + callTimeout + ", fallback=" + (fallback != null) + "}";
  }

  /**
   * Builds {@link CallOptions}. Not thread safe.
   *
   * @param <T> the result type
   */
  public static final class Builder<T> {
    private boolean idempotent;
    private Duration attemptTimeout;
    private int maxAttempts;
    private Duration callTimeout;
    private OutcomeClassifier<? super T> classifier = OutcomeClassifier.successOnReturn();
    private Function<? super Throwable, ? extends T> fallback;

    private Builder() {}

    /** Marks the call idempotent (safe to repeat): its failed attempts may be retried. */
    public Builder<T> idempotent(boolean idempotent) {
      this.idempotent = idempotent;
      return this;
    }

    /**
     * Overrides the retry policy's attempt count for this call (1 = no retry). Backoff, budget and
     * idempotency rules still apply.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder<T> maxAttempts(int maxAttempts) {
      Checks.argument(maxAttempts >= 1, "maxAttempts must be >= 1, was %d", maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /**
     * Overrides the per-attempt timeout.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder<T> attemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = Checks.positive(attemptTimeout, "attemptTimeout");
      return this;
    }

    /**
     * Overrides the call's deadline (all attempts and backoff).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder<T> callTimeout(Duration callTimeout) {
      this.callTimeout = Checks.positive(callTimeout, "callTimeout");
      return this;
    }

    /** How returned values and exceptions are judged. */
    public Builder<T> classifier(OutcomeClassifier<? super T> classifier) {
      this.classifier = Checks.notNull(classifier, "classifier");
      return this;
    }

    /**
     * Turns the exception a call ends with (including rejections and an open breaker) into a
     * value. It runs last, outside every other policy. A result classified as a failure is
     * returned as is, not passed to the fallback.
     */
    public Builder<T> fallback(Function<? super Throwable, ? extends T> fallback) {
      this.fallback = Checks.notNull(fallback, "fallback");
      return this;
    }

    /** Builds. */
    public CallOptions<T> build() {
      return new CallOptions<>(this);
    }
  }
}
