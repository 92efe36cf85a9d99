package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * The service-level circuit breaker, for when the whole service fails (one bad instance is the
 * business of {@link OutlierEjectionConfig outlier ejection}). It sees one outcome per call,
 * after retries. It opens when at least {@link #failureRatePercent()} of at least
 * {@link #minimumCalls()} calls in the last {@link #window()} failed; stays open for
 * {@link #openFor()} lengthened by a random share of up to {@link #openJitter()}; then admits
 * exactly {@link #halfOpenTrials()} trial calls: all succeed and it closes, one fails and it opens
 * again. Immutable and thread safe.
 */
public final class CircuitBreakerConfig {
  private static final CircuitBreakerConfig DEFAULTS = builder().build();
  private static final CircuitBreakerConfig DISABLED = new CircuitBreakerConfig(builder(), false);

  private final boolean enabled;
  private final int failureRatePercent;
  private final int minimumCalls;
  private final Duration window;
  private final Duration openFor;
  private final double openJitter;
  private final int halfOpenTrials;

  private CircuitBreakerConfig(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.failureRatePercent = b.failureRatePercent;
    this.minimumCalls = b.minimumCalls;
    this.window = b.window;
    this.openFor = b.openFor;
    this.openJitter = b.openJitter;
    this.halfOpenTrials = b.halfOpenTrials;
  }

  /** The defaults: 50% of at least 20 calls in 10 s; open 30 s (+ up to 20%); 3 trial calls. */
  public static CircuitBreakerConfig defaults() {
    return DEFAULTS;
  }

  /** No service breaker. */
  public static CircuitBreakerConfig disabled() {
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

  /** Failure rate in percent (1 to 100) that opens the breaker. */
  public int failureRatePercent() {
    return failureRatePercent;
  }

  /** Calls in the window needed before the breaker may open. */
  public int minimumCalls() {
    return minimumCalls;
  }

  /** The window of the failure rate. */
  public Duration window() {
    return window;
  }

  /** How long the breaker stays open before admitting trial calls (before jitter). */
  public Duration openFor() {
    return openFor;
  }

  /** The most {@link #openFor()} is lengthened at random, as a share of it (0 to 1). */
  public double openJitter() {
    return openJitter;
  }

  /** Trial calls admitted when half-open; each admitted exactly once. */
  public int halfOpenTrials() {
    return halfOpenTrials;
  }

  @Override
  public String toString() {
    return enabled ? "CircuitBreakerConfig{failureRate=" + failureRatePercent + "% of " + minimumCalls + " in "
        + window + ", openFor=" + openFor + " +" + openJitter + ", halfOpenTrials=" + halfOpenTrials + "}"
        : "CircuitBreakerConfig{disabled}";
  }

  /** Builds a {@link CircuitBreakerConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private int failureRatePercent = 50;
    private int minimumCalls = 20;
    private Duration window = Duration.ofSeconds(10);
    private Duration openFor = Duration.ofSeconds(30);
    private double openJitter = 0.2;
    private int halfOpenTrials = 3;

    private Builder() {}

    /** Opens at {@code percent} (1 to 100) failed of at least {@code minimumCalls} calls in {@code window}. */
    public Builder failureRate(int percent, int minimumCalls, Duration window) {
      this.failureRatePercent = percent;
      this.minimumCalls = minimumCalls;
      this.window = Checks.notNull(window, "window");
      return this;
    }

    /** How long to stay open before the trial calls. */
    public Builder openFor(Duration openFor) {
      this.openFor = Checks.notNull(openFor, "openFor");
      return this;
    }

    /** Random lengthening of the open time, as a share of it (0 to 1). */
    public Builder openJitter(double openJitter) {
      this.openJitter = openJitter;
      return this;
    }

    /** Trial calls when half-open (at least 1). */
    public Builder halfOpenTrials(int halfOpenTrials) {
      this.halfOpenTrials = halfOpenTrials;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public CircuitBreakerConfig build() {
      Checks.inRange(failureRatePercent, 1, 100, "failureRatePercent");
      Checks.argument(minimumCalls >= 1, "minimumCalls must be >= 1, was %d", minimumCalls);
      Checks.positive(window, "window");
      Checks.argument(window.toMillis() >= 10, "window must be at least 10ms, was %s", window);
      Checks.positive(openFor, "openFor");
      Checks.argument(openJitter >= 0 && openJitter <= 1, "openJitter must be between 0 and 1, was %s", openJitter);
      Checks.argument(halfOpenTrials >= 1, "halfOpenTrials must be >= 1, was %d", halfOpenTrials);
      return new CircuitBreakerConfig(this, true);
    }
  }
}
