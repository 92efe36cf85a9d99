package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * A client-side rate limit per service, off by default. {@link #smooth} spreads calls evenly
 * ({@code permits} per {@code period} means one every {@code period / permits}); {@link #bursty}
 * allows {@code permits} at once, refilled each {@code period}. A sync call may wait up to
 * {@link #maxWait()}; an async call's start is delayed by at most that. A call over the limit
 * fails with {@code RejectedException(RATE_LIMIT)}. Immutable.
 */
public final class RateLimiterConfig {
  private static final RateLimiterConfig DISABLED = new RateLimiterConfig(false, false, 1, Duration.ofSeconds(1), Duration.ZERO);

  private final boolean enabled;
  private final boolean smooth;
  private final long permits;
  private final Duration period;
  private final Duration maxWait;

  private RateLimiterConfig(boolean enabled, boolean smooth, long permits, Duration period, Duration maxWait) {
    this.enabled = enabled;
    this.smooth = smooth;
    this.permits = permits;
    this.period = period;
    this.maxWait = maxWait;
  }

  /** No rate limit (the default). */
  public static RateLimiterConfig disabled() {
    return DISABLED;
  }

  /**
   * Evenly spaced calls: {@code permits} per {@code period}.
   *
   * @throws IllegalArgumentException if permits is below 1 or the period is not positive
   */
  public static RateLimiterConfig smooth(long permits, Duration period) {
    return of(true, permits, period, Duration.ZERO);
  }

  /**
   * Up to {@code permits} calls at once, refilled every {@code period}.
   *
   * @throws IllegalArgumentException if permits is below 1 or the period is not positive
   */
  public static RateLimiterConfig bursty(long permits, Duration period) {
    return of(false, permits, period, Duration.ZERO);
  }

  private static RateLimiterConfig of(boolean smooth, long permits, Duration period, Duration maxWait) {
    Checks.argument(permits >= 1, "permits must be >= 1, was %d", permits);
    Checks.positive(period, "period");
    Checks.notNegative(maxWait, "maxWait");
    return new RateLimiterConfig(true, smooth, permits, period, maxWait);
  }

  /**
   * A copy that lets a call wait up to {@code maxWait} for a permit.
   *
   * @throws IllegalStateException on {@link #disabled()}
   * @throws IllegalArgumentException if maxWait is negative
   */
  public RateLimiterConfig withMaxWait(Duration maxWait) {
    Checks.state(enabled, "maxWait needs an enabled rate limiter");
    return of(smooth, permits, period, maxWait);
  }

  /** False for {@link #disabled()}. */
  public boolean enabled() {
    return enabled;
  }

  /** True for {@link #smooth}, false for {@link #bursty}. */
  public boolean smooth() {
    return smooth;
  }

  /** Permits per period. */
  public long permits() {
    return permits;
  }

  /** The period. */
  public Duration period() {
    return period;
  }

  /** How long a call may wait for a permit. */
  public Duration maxWait() {
    return maxWait;
  }

  @Override
  public String toString() {
    return enabled ? "RateLimiterConfig{" + (smooth ? "smooth " : "bursty ") + permits + " per " + period
        + ", maxWait=" + maxWait + "}" : "RateLimiterConfig{disabled}";
  }
}
