package io.mesh4j.resilience;

import io.mesh4j.api.internal.Checks;
import java.time.Duration;

/**
 * Per-instance outlier ejection. An instance with {@link #consecutiveFailures()} failures in a
 * row, or a failure rate of at least {@link #failureRateThreshold()} over at least
 * {@link #minimumCalls()} calls in the last {@link #window()}, is ejected for
 * {@code baseEjectionTime * n} (n = how often it was ejected, capped at {@link #maxEjectionTime()}),
 * lengthened by a random share of up to {@link #returnJitter()} so ejected instances do not all
 * come back at once. It then returns through {@link #trialCalls()} trial calls: all succeed and it
 * is back, one fails and it is ejected again for longer. At most {@link #maxEjectionPercent()} of a
 * service's instances are ejected at once, and at least one always stays selectable. Immutable.
 */
public final class OutlierEjectionConfig {
  private static final OutlierEjectionConfig DEFAULTS = builder().build();
  private static final OutlierEjectionConfig DISABLED = new OutlierEjectionConfig(builder(), false);

  private final boolean enabled;
  private final int consecutiveFailures;
  private final double failureRateThreshold;
  private final int minimumCalls;
  private final Duration window;
  private final Duration baseEjectionTime;
  private final Duration maxEjectionTime;
  private final double returnJitter;
  private final int maxEjectionPercent;
  private final int trialCalls;
  private final int consecutiveSuspectAttempts;

  private OutlierEjectionConfig(Builder b, boolean enabled) {
    this.enabled = enabled;
    this.consecutiveFailures = b.consecutiveFailures;
    this.failureRateThreshold = b.failureRateThreshold;
    this.minimumCalls = b.minimumCalls;
    this.window = b.window;
    this.baseEjectionTime = b.baseEjectionTime;
    this.maxEjectionTime = b.maxEjectionTime;
    this.returnJitter = b.returnJitter;
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.trialCalls = b.trialCalls;
    this.consecutiveSuspectAttempts = b.consecutiveSuspectAttempts;
  }

  /** The defaults (see docs/resilience.md): 5 in a row or 50% of 20 calls in 10 s; 30 s to 300 s; 50% cap. */
  public static OutlierEjectionConfig defaults() {
    return DEFAULTS;
  }

  /** No ejection: every discovered instance stays selectable. */
  public static OutlierEjectionConfig disabled() {
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

  /** Failures in a row that eject an instance. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** Failure rate (0 to 1) over the window that ejects an instance. */
  public double failureRateThreshold() {
    return failureRateThreshold;
  }

  /** Calls in the window needed before the failure rate counts. */
  public int minimumCalls() {
    return minimumCalls;
  }

  /** The window of the failure rate. */
  public Duration window() {
    return window;
  }

  /** The first ejection's length. */
  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  /** The longest ejection. */
  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  /** The most an ejection is lengthened at random, as a share of its length (0 to 1). */
  public double returnJitter() {
    return returnJitter;
  }

  /** The largest share of a service's instances ejected at once, in percent. */
  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  /** Trial calls a returning instance must pass. */
  public int trialCalls() {
    return trialCalls;
  }

  /**
   * Suspect attempts in a row that eject an instance, 0 when they never do. An attempt is suspect
   * when it did not fail but says the instance is unwell: a hedge overtook it, or it succeeded
   * far slower than the service's median (more than 10 times it, and over 100 ms). The streak
   * must also span at least a second, so a client-side pause cannot eject a healthy instance.
   */
  public int consecutiveSuspectAttempts() {
    return consecutiveSuspectAttempts;
  }

  @Override
  public String toString() {
    return enabled ? "OutlierEjectionConfig{consecutiveFailures=" + consecutiveFailures + ", failureRate="
        + failureRateThreshold + "/" + minimumCalls + " in " + window + ", ejection=" + baseEjectionTime + ".."
        + maxEjectionTime + ", returnJitter=" + returnJitter + ", maxEjectionPercent=" + maxEjectionPercent
        + ", trialCalls=" + trialCalls + ", consecutiveSuspectAttempts=" + consecutiveSuspectAttempts + "}"
        : "OutlierEjectionConfig{disabled}";
  }

  /** Builds an {@link OutlierEjectionConfig}; validates at {@link #build()}. Not thread safe. */
  public static final class Builder {
    private int consecutiveFailures = 5;
    private double failureRateThreshold = 0.5;
    private int minimumCalls = 20;
    private Duration window = Duration.ofSeconds(10);
    private Duration baseEjectionTime = Duration.ofSeconds(30);
    private Duration maxEjectionTime = Duration.ofSeconds(300);
    private double returnJitter = 0.1;
    private int maxEjectionPercent = 50;
    private int trialCalls = 1;
    private int consecutiveSuspectAttempts = 10;

    private Builder() {}

    /** Failures in a row that eject (default 5). */
    public Builder consecutiveFailures(int consecutiveFailures) {
      this.consecutiveFailures = consecutiveFailures;
      return this;
    }

    /** Failure rate (0 to 1, default 0.5) over at least {@code minimumCalls} calls in {@code window}. */
    public Builder failureRate(double threshold, int minimumCalls, Duration window) {
      this.failureRateThreshold = threshold;
      this.minimumCalls = minimumCalls;
      this.window = Checks.notNull(window, "window");
      return this;
    }

    /** Ejection length: {@code base} times the number of ejections, at most {@code max}. */
    public Builder ejectionTime(Duration base, Duration max) {
      this.baseEjectionTime = Checks.notNull(base, "baseEjectionTime");
      this.maxEjectionTime = Checks.notNull(max, "maxEjectionTime");
      return this;
    }

    /** Random lengthening of an ejection, as a share of it (0 to 1, default 0.1). */
    public Builder returnJitter(double returnJitter) {
      this.returnJitter = returnJitter;
      return this;
    }

    /** Largest share of a service's instances ejected at once, 0 to 100 (default 50). */
    public Builder maxEjectionPercent(int maxEjectionPercent) {
      this.maxEjectionPercent = maxEjectionPercent;
      return this;
    }

    /** Trial calls a returning instance must pass (default 1). */
    public Builder trialCalls(int trialCalls) {
      this.trialCalls = trialCalls;
      return this;
    }

    /**
     * Suspect attempts in a row that eject (default 10; 0 turns this off), over at least a second.
     * Suspect: overtaken by a hedge, or a success more than 10 times slower than the service's
     * median latency and over 100 ms: what a black-holed or dripping instance gives when hedges or
     * a long attempt timeout keep its attempts from failing. A success resets the count; suspects
     * do not count toward the failure rate. Turn it off for a service whose calls differ in latency by design (a mix of
     * cheap and expensive endpoints) if one instance may see only the expensive ones ten in a row.
     */
    public Builder consecutiveSuspectAttempts(int consecutiveSuspectAttempts) {
      this.consecutiveSuspectAttempts = consecutiveSuspectAttempts;
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public OutlierEjectionConfig build() {
      Checks.argument(consecutiveFailures >= 1, "consecutiveFailures must be >= 1, was %d", consecutiveFailures);
      Checks.argument(failureRateThreshold > 0 && failureRateThreshold <= 1,
          "failureRateThreshold must be > 0 and <= 1, was %s", failureRateThreshold);
      Checks.argument(minimumCalls >= 1, "minimumCalls must be >= 1, was %d", minimumCalls);
      Checks.positive(window, "window");
      Checks.positive(baseEjectionTime, "baseEjectionTime");
      Checks.positive(maxEjectionTime, "maxEjectionTime");
      Checks.argument(maxEjectionTime.compareTo(baseEjectionTime) >= 0,
          "maxEjectionTime (%s) must be >= baseEjectionTime (%s)", maxEjectionTime, baseEjectionTime);
      Checks.argument(returnJitter >= 0 && returnJitter <= 1, "returnJitter must be between 0 and 1, was %s", returnJitter);
      Checks.inRange(maxEjectionPercent, 0, 100, "maxEjectionPercent");
      Checks.argument(trialCalls >= 1, "trialCalls must be >= 1, was %d", trialCalls);
      Checks.argument(consecutiveSuspectAttempts >= 0,
          "consecutiveSuspectAttempts must be >= 0 (0 turns it off), was %d", consecutiveSuspectAttempts);
      return new OutlierEjectionConfig(this, true);
    }
  }
}
