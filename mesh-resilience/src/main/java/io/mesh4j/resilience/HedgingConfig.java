package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * Hedged requests (Finagle's backup requests, gRPC's hedging policy, "The Tail at Scale"): when
 * the first attempt of an <b>idempotent</b> call has not answered after the hedge delay, one more
 * attempt goes to another instance; the first acceptable answer wins and the others are
 * cancelled (an answer that arrives after is closed). Off by default; turn it on per service.
 *
 * <ul>
 *   <li>The delay is fixed ({@link #fixedDelay(Duration)}) or a percentile of the service's recent
 *       successful attempts ({@link #percentileDelay(double)}, default p{@value #DEFAULT_PERCENTILE},
 *       never below {@link #minDelay()}); a percentile delay sends no hedge until
 *       {@value TimeoutConfig#ADAPTIVE_MIN_SAMPLES} attempts were seen.</li>
 *   <li>Each hedge is paid from the service's retry budget, so a slow service cannot double its
 *       load: over budget, no hedge is sent.</li>
 *   <li>At most {@link #maxHedges()} hedges per call (default {@value #DEFAULT_MAX_HEDGES}); hedges
 *       count as attempts of the retry policy's {@code maxAttempts}.</li>
 *   <li>An attempt overtaken by a later one counts as a failed attempt of its instance for
 *       outlier ejection, so an instance that never answers is still ejected while hedges answer
 *       for it.</li>
 * </ul>
 *
 * <p>Immutable and thread safe.
 */
public final class HedgingConfig {
  /** Default percentile of recent latency after which a hedge is sent. */
  public static final double DEFAULT_PERCENTILE = 95;
  /** Default hedges per call. */
  public static final int DEFAULT_MAX_HEDGES = 1;
  /** Default least hedge delay: 1 ms. */
  public static final Duration DEFAULT_MIN_DELAY = Duration.ofMillis(1);

  private static final HedgingConfig DISABLED = new HedgingConfig(false, null, DEFAULT_PERCENTILE, DEFAULT_MIN_DELAY,
      DEFAULT_MAX_HEDGES);

  private final boolean enabled;
  private final Duration delay;
  private final double percentile;
  private final Duration minDelay;
  private final int maxHedges;

  private HedgingConfig(boolean enabled, Duration delay, double percentile, Duration minDelay, int maxHedges) {
    this.enabled = enabled;
    this.delay = delay;
    this.percentile = percentile;
    this.minDelay = minDelay;
    this.maxHedges = maxHedges;
  }

  /** No hedging (the default). */
  public static HedgingConfig disabled() {
    return DISABLED;
  }

  /**
   * Hedges after a fixed {@code delay}.
   *
   * @throws IllegalArgumentException if the delay is not positive
   */
  public static HedgingConfig fixedDelay(Duration delay) {
    return new HedgingConfig(true, Checks.positive(delay, "hedging delay"), DEFAULT_PERCENTILE, DEFAULT_MIN_DELAY,
        DEFAULT_MAX_HEDGES);
  }

  /**
   * Hedges after the {@code percentile} (e.g. 95) of the service's recent successful attempts.
   *
   * @throws IllegalArgumentException if the percentile is not above 0 and below 100
   */
  public static HedgingConfig percentileDelay(double percentile) {
    Checks.argument(percentile > 0 && percentile < 100, "hedging percentile must be > 0 and < 100, was %s",
        percentile);
    return new HedgingConfig(true, null, percentile, DEFAULT_MIN_DELAY, DEFAULT_MAX_HEDGES);
  }

  /**
   * This config with at most {@code maxHedges} hedges per call.
   *
   * @throws IllegalArgumentException if below 1
   */
  public HedgingConfig withMaxHedges(int maxHedges) {
    Checks.argument(maxHedges >= 1, "maxHedges must be >= 1, was %d", maxHedges);
    return new HedgingConfig(enabled, delay, percentile, minDelay, maxHedges);
  }

  /**
   * This config with a percentile delay never below {@code minDelay}.
   *
   * @throws IllegalArgumentException if negative
   */
  public HedgingConfig withMinDelay(Duration minDelay) {
    return new HedgingConfig(enabled, delay, percentile, Checks.notNegative(minDelay, "hedging minDelay"), maxHedges);
  }

  /** False for {@link #disabled()}. */
  public boolean enabled() {
    return enabled;
  }

  /** The fixed delay, or null for a percentile delay. */
  public Duration delay() {
    return delay;
  }

  /** The percentile of a percentile delay. */
  public double percentile() {
    return percentile;
  }

  /** The least percentile delay. */
  public Duration minDelay() {
    return minDelay;
  }

  /** Hedges per call at most. */
  public int maxHedges() {
    return maxHedges;
  }

  @Override
  public String toString() {
    if (!enabled) {
      return "HedgingConfig{disabled}";
    }
    return "HedgingConfig{delay=" + (delay != null ? delay : "p" + percentile + " (min " + minDelay + ")")
        + ", maxHedges=" + maxHedges + "}";
  }
}
