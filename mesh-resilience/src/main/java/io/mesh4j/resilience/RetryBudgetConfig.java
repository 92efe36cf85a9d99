package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * The retry budget of a service, on by default: retries may not exceed {@link #ratio()} of the
 * calls made in the last {@link #window()}, plus a floor of {@link #minRetriesPerSecond()}. A
 * retry takes its token when it is decided, before its backoff, so retries waiting in backoff
 * count. Over budget, a call ends with its last outcome (see {@link ResilientExecutor}).
 * Immutable and thread safe.
 */
public final class RetryBudgetConfig {
  /** Default share of recent calls that may be retried. */
  public static final double DEFAULT_RATIO = 0.2;
  /** Default window over which calls and retries are counted. */
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);
  /** Default floor, in retries per second. */
  public static final int DEFAULT_MIN_RETRIES_PER_SECOND = 10;

  private static final RetryBudgetConfig DEFAULTS = builder().build();
  private static final RetryBudgetConfig DISABLED = new RetryBudgetConfig(builder(), false);

  private final boolean enabled;
  private final double ratio;
  private final Duration window;
  private final int minRetriesPerSecond;

  private RetryBudgetConfig(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.ratio = b.ratio;
    this.window = b.window;
    this.minRetriesPerSecond = b.minRetriesPerSecond;
  }

  /** The defaults: 20% of the calls of the last 10 s, plus 10 retries per second. */
  public static RetryBudgetConfig defaults() {
    return DEFAULTS;
  }

  /** No budget: every retry the retry policy allows is made. Not recommended. */
  public static RetryBudgetConfig disabled() {
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

  /** The share of recent calls that may be retried, 0 to 1. */
  public double ratio() {
    return ratio;
  }

  /** The window over which calls and retries are counted. */
  public Duration window() {
    return window;
  }

  /** Retries per second allowed whatever the call volume (lets low-traffic services retry). */
  public int minRetriesPerSecond() {
    return minRetriesPerSecond;
  }

  @Override
  public String toString() {
    return enabled ? "RetryBudgetConfig{ratio=" + ratio + ", window=" + window + ", minRetriesPerSecond="
        + minRetriesPerSecond + "}" : "RetryBudgetConfig{disabled}";
  }

  /** Builds a {@link RetryBudgetConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private double ratio = DEFAULT_RATIO;
    private Duration window = DEFAULT_WINDOW;
    private int minRetriesPerSecond = DEFAULT_MIN_RETRIES_PER_SECOND;

    private Builder() {}

    /** Share of recent calls that may be retried, from 0 to 1. */
    public Builder ratio(double ratio) {
      this.ratio = ratio;
      return this;
    }

    /** The counting window, from 1 s to 60 s. */
    public Builder window(Duration window) {
      this.window = Checks.notNull(window, "window");
      return this;
    }

    /** The floor in retries per second, 0 or more. */
    public Builder minRetriesPerSecond(int minRetriesPerSecond) {
      this.minRetriesPerSecond = minRetriesPerSecond;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public RetryBudgetConfig build() {
      Checks.argument(ratio >= 0 && ratio <= 1, "ratio must be between 0 and 1, was %s", ratio);
      Checks.positive(window, "window");
      Checks.argument(window.compareTo(Duration.ofSeconds(1)) >= 0 && window.compareTo(Duration.ofSeconds(60)) <= 0,
          "window must be between 1s and 60s, was %s", window);
      Checks.argument(minRetriesPerSecond >= 0, "minRetriesPerSecond must be >= 0, was %d", minRetriesPerSecond);
      return new RetryBudgetConfig(this, true);
    }
  }
}
