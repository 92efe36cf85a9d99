package io.mesh4j.spring.boot.autoconfigure.internal;

import io.mesh4j.resilience.BulkheadConfig;
import io.mesh4j.resilience.CircuitBreakerConfig;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.OutlierEjectionConfig;
import io.mesh4j.resilience.RateLimiterConfig;
import io.mesh4j.resilience.RetryBudgetConfig;
import io.mesh4j.resilience.RetryConfig;
import io.mesh4j.resilience.TimeoutConfig;
import io.mesh4j.spring.boot.autoconfigure.MeshClientSettings;
import java.time.Duration;
import java.util.function.Function;

/**
 * Turns {@link MeshClientSettings} into the resilience configs of the client builder (client-wide)
 * or of one service. A service's unset value falls back to the client-wide one, then to the
 * library default, value by value; a rejected value is reported under the property that gave it.
 */
public final class ClientSettingsApplier {
  /** Where the configs go: the client builder or one service's settings. */
  public interface Target {
    void retry(RetryConfig config);

    void retryBudget(RetryBudgetConfig config);

    void circuitBreaker(CircuitBreakerConfig config);

    void outlierEjection(OutlierEjectionConfig config);

    void timeouts(TimeoutConfig config);

    void bulkhead(BulkheadConfig config);

    void rateLimiter(RateLimiterConfig config);

    void maxResponseBytes(long bytes);

    void hedging(HedgingConfig config);
  }

  private record Value<T>(T value, String property) {
    boolean set() {
      return value != null;
    }

    T or(T fallback) {
      return value != null ? value : fallback;
    }
  }

  private static final String CLIENT = "mesh4j.client.";

  private final MeshClientSettings defaults;
  private final MeshClientSettings own; // null for the client-wide settings
  private final String prefix;

  private ClientSettingsApplier(MeshClientSettings defaults, MeshClientSettings own, String prefix) {
    this.defaults = defaults;
    this.own = own;
    this.prefix = prefix;
  }

  /** Applies the client-wide {@code settings} to {@code target}. */
  public static void applyDefaults(MeshClientSettings settings, Target target) {
    new ClientSettingsApplier(settings, null, CLIENT).apply(target);
  }

  /** Applies what service {@code name} sets (completed from {@code defaults}) to {@code target}. */
  public static void applyService(String name, MeshClientSettings service, MeshClientSettings defaults, Target target) {
    new ClientSettingsApplier(defaults, service, CLIENT + "services." + name + ".").apply(target);
  }

  private <T> Value<T> value(String key, Function<MeshClientSettings, T> get) {
    T mine = own == null ? null : get.apply(own);
    if (mine != null) {
      return new Value<>(mine, prefix + key);
    }
    return new Value<>(get.apply(defaults), CLIENT + key);
  }

  /** One value that a builder's check may reject: the builder's name for it, and what it accepts. */
  private record Check(Value<?> value, String builderName, String accepted) {}

  /**
   * Builds a config (the library checks ranges in build()); a rejection is reported under the
   * property whose builder name the message mentions, else the first one set.
   */
  private static <T> T build(java.util.function.Supplier<T> build, Check... checks) {
    try {
      return build.get();
    } catch (IllegalArgumentException | IllegalStateException e) {
      Check blamed = null;
      for (Check c : checks) {
        if (c.value().set() && blamed == null) {
          blamed = c;
        }
      }
      String message = String.valueOf(e.getMessage());
      for (Check c : checks) {
        if (c.value().set() && message.contains(c.builderName())) {
          blamed = c;
          break;
        }
      }
      if (blamed == null) {
        throw e;
      }
      throw new io.mesh4j.spring.boot.autoconfigure.InvalidMeshPropertyException(blamed.value().property(),
          String.valueOf(blamed.value().value()), blamed.accepted(), e);
    }
  }

  /** Whether this level sets anything of a group (a service re-applies a group only if it sets some of it). */
  private boolean touches(Value<?>... values) {
    for (Value<?> v : values) {
      if (v.set() && (own == null || v.property().startsWith(prefix))) {
        return true;
      }
    }
    return false;
  }

  private void apply(Target target) {
    retry(target);
    budget(target);
    breaker(target);
    ejection(target);
    timeouts(target);
    bulkhead(target);
    rateLimit(target);
    hedging(target);
    Value<Long> bytes = value("max-response-bytes", MeshClientSettings::getMaxResponseBytes);
    if (touches(bytes)) {
      PropertyChecks.apply(bytes.property(), bytes.value(), "a number of bytes >= 1",
          () -> target.maxResponseBytes(bytes.value()));
    }
  }

  private void retry(Target target) {
    Value<Integer> max = value("retry.max-attempts", s -> s.getRetry().getMaxAttempts());
    Value<Duration> base = value("retry.backoff-base", s -> s.getRetry().getBackoffBase());
    Value<Duration> top = value("retry.backoff-max", s -> s.getRetry().getBackoffMax());
    if (!touches(max, base, top)) {
      return;
    }
    RetryConfig.Builder b = RetryConfig.builder();
    if (max.set()) {
      PropertyChecks.apply(max.property(), max.value(), "an integer >= 1", () -> b.maxAttempts(max.value()));
    }
    if (base.set() || top.set()) {
      Value<Duration> named = base.set() ? base : top;
      PropertyChecks.apply(named.property(), named.value(),
          "positive durations with retry.backoff-base <= retry.backoff-max (defaults 50ms and 1s)",
          () -> b.backoff(base.or(RetryConfig.DEFAULT_BACKOFF_BASE), top.or(RetryConfig.DEFAULT_BACKOFF_MAX)));
    }
    String backoff = "positive durations with retry.backoff-base <= retry.backoff-max (defaults 50ms and 1s)";
    target.retry(build(b::build, new Check(max, "maxAttempts", "an integer >= 1"),
        new Check(base, "backoff", backoff), new Check(top, "backoff", backoff)));
  }

  private void budget(Target target) {
    Value<Boolean> enabled = value("retry-budget.enabled", s -> s.getRetryBudget().getEnabled());
    Value<Double> ratio = value("retry-budget.ratio", s -> s.getRetryBudget().getRatio());
    Value<Integer> floor = value("retry-budget.min-retries-per-second", s -> s.getRetryBudget().getMinRetriesPerSecond());
    if (!touches(enabled, ratio, floor)) {
      return;
    }
    if (Boolean.FALSE.equals(enabled.value())) {
      target.retryBudget(RetryBudgetConfig.disabled());
      return;
    }
    RetryBudgetConfig.Builder b = RetryBudgetConfig.builder();
    if (ratio.set()) {
      PropertyChecks.apply(ratio.property(), ratio.value(), "a share of calls between 0 and 1, e.g. 0.2",
          () -> b.ratio(ratio.value()));
    }
    if (floor.set()) {
      PropertyChecks.apply(floor.property(), floor.value(), "an integer >= 0", () -> b.minRetriesPerSecond(floor.value()));
    }
    target.retryBudget(build(b::build, new Check(ratio, "ratio", "a share of calls between 0 and 1, e.g. 0.2"),
        new Check(floor, "minRetriesPerSecond", "an integer >= 0")));
  }

  private void breaker(Target target) {
    Value<Boolean> enabled = value("breaker.enabled", s -> s.getBreaker().getEnabled());
    Value<Integer> rate = value("breaker.failure-rate", s -> s.getBreaker().getFailureRate());
    Value<Integer> calls = value("breaker.minimum-calls", s -> s.getBreaker().getMinimumCalls());
    Value<Duration> window = value("breaker.window", s -> s.getBreaker().getWindow());
    Value<Duration> openFor = value("breaker.open-for", s -> s.getBreaker().getOpenFor());
    if (!touches(enabled, rate, calls, window, openFor)) {
      return;
    }
    if (Boolean.FALSE.equals(enabled.value())) {
      target.circuitBreaker(CircuitBreakerConfig.disabled());
      return;
    }
    CircuitBreakerConfig d = CircuitBreakerConfig.defaults();
    CircuitBreakerConfig.Builder b = CircuitBreakerConfig.builder();
    if (rate.set() || calls.set() || window.set()) {
      Value<?> named = rate.set() ? rate : calls.set() ? calls : window;
      PropertyChecks.apply(named.property(), named.value(),
          "failure-rate 1-100 (percent), minimum-calls >= 1 and a positive window",
          () -> b.failureRate(rate.or(d.failureRatePercent()), calls.or(d.minimumCalls()), window.or(d.window())));
    }
    if (openFor.set()) {
      PropertyChecks.apply(openFor.property(), openFor.value(), "a positive duration, e.g. 30s",
          () -> b.openFor(openFor.value()));
    }
    target.circuitBreaker(build(b::build, new Check(rate, "failureRate", "a percentage 1-100"),
        new Check(calls, "minimumCalls", "an integer >= 1"), new Check(window, "window", "a positive duration, e.g. 10s"),
        new Check(openFor, "openFor", "a positive duration, e.g. 30s")));
  }

  private void ejection(Target target) {
    Value<Boolean> enabled = value("outlier-ejection.enabled", s -> s.getOutlierEjection().getEnabled());
    Value<Integer> failures = value("outlier-ejection.consecutive-failures",
        s -> s.getOutlierEjection().getConsecutiveFailures());
    Value<Integer> percent = value("outlier-ejection.max-ejection-percent",
        s -> s.getOutlierEjection().getMaxEjectionPercent());
    if (!touches(enabled, failures, percent)) {
      return;
    }
    if (Boolean.FALSE.equals(enabled.value())) {
      target.outlierEjection(OutlierEjectionConfig.disabled());
      return;
    }
    OutlierEjectionConfig.Builder b = OutlierEjectionConfig.builder();
    if (failures.set()) {
      PropertyChecks.apply(failures.property(), failures.value(), "an integer >= 1",
          () -> b.consecutiveFailures(failures.value()));
    }
    if (percent.set()) {
      PropertyChecks.apply(percent.property(), percent.value(), "a percentage 0-100",
          () -> b.maxEjectionPercent(percent.value()));
    }
    target.outlierEjection(build(b::build, new Check(failures, "consecutiveFailures", "an integer >= 1"),
        new Check(percent, "maxEjectionPercent", "a percentage 0-100")));
  }

  private void timeouts(Target target) {
    Value<Duration> attempt = value("attempt-timeout", MeshClientSettings::getAttemptTimeout);
    Value<Duration> call = value("call-timeout", MeshClientSettings::getCallTimeout);
    if (!touches(attempt, call)) {
      return;
    }
    TimeoutConfig.Builder b = TimeoutConfig.builder();
    if (attempt.set()) {
      PropertyChecks.apply(attempt.property(), attempt.value(), "a positive duration (e.g. 2s, 500ms)",
          () -> b.attemptTimeout(attempt.value()));
    }
    if (call.set()) {
      PropertyChecks.apply(call.property(), call.value(), "a positive duration (e.g. 30s)", () -> b.callTimeout(call.value()));
    }
    target.timeouts(build(b::build, new Check(attempt, "attemptTimeout", "a positive duration not above call-timeout"),
        new Check(call, "callTimeout", "a positive duration not below attempt-timeout")));
  }

  private void bulkhead(Target target) {
    Value<Boolean> enabled = value("bulkhead.enabled", s -> s.getBulkhead().getEnabled());
    Value<Integer> max = value("bulkhead.max-concurrent-calls", s -> s.getBulkhead().getMaxConcurrentCalls());
    Value<Duration> wait = value("bulkhead.max-wait", s -> s.getBulkhead().getMaxWait());
    if (!touches(enabled, max, wait)) {
      return;
    }
    if (Boolean.FALSE.equals(enabled.value())) {
      target.bulkhead(BulkheadConfig.disabled());
      return;
    }
    BulkheadConfig.Builder b = BulkheadConfig.builder();
    if (max.set()) {
      PropertyChecks.apply(max.property(), max.value(), "an integer >= 1", () -> b.maxConcurrentCalls(max.value()));
    }
    if (wait.set()) {
      PropertyChecks.apply(wait.property(), wait.value(), "a duration >= 0", () -> b.maxWait(wait.value()));
    }
    target.bulkhead(build(b::build, new Check(max, "maxConcurrentCalls", "an integer >= 1"),
        new Check(wait, "maxWait", "a duration >= 0")));
  }

  private void rateLimit(Target target) {
    Value<Long> permits = value("rate-limit.permits", s -> s.getRateLimit().getPermits());
    Value<Duration> period = value("rate-limit.period", s -> s.getRateLimit().getPeriod());
    if (!touches(permits, period)) {
      return;
    }
    if (!permits.set() || !period.set()) {
      String missing = prefix + (permits.set() ? "rate-limit.period" : "rate-limit.permits");
      throw new io.mesh4j.spring.boot.autoconfigure.InvalidMeshPropertyException(missing, "(not set)",
          "set both rate-limit.permits and rate-limit.period (e.g. 100 and 1s)", null);
    }
    target.rateLimiter(PropertyChecks.get(permits.property(), permits.value(),
        "permits >= 1 per a positive period", () -> RateLimiterConfig.smooth(permits.value(), period.value())));
  }

  private void hedging(Target target) {
    Value<Boolean> enabled = value("hedging.enabled", s -> s.getHedging().getEnabled());
    Value<Duration> delay = value("hedging.delay", s -> s.getHedging().getDelay());
    Value<Double> percentile = value("hedging.percentile", s -> s.getHedging().getPercentile());
    Value<Integer> maxHedges = value("hedging.max-hedges", s -> s.getHedging().getMaxHedges());
    Value<Duration> minDelay = value("hedging.min-delay", s -> s.getHedging().getMinDelay());
    if (!touches(enabled, delay, percentile, maxHedges, minDelay)) {
      return;
    }
    if (Boolean.FALSE.equals(enabled.value()) || (!enabled.set() && !delay.set() && !percentile.set())) {
      target.hedging(HedgingConfig.disabled());
      return;
    }
    if (delay.set() && percentile.set()) {
      throw new io.mesh4j.spring.boot.autoconfigure.InvalidMeshPropertyException(percentile.property(),
          String.valueOf(percentile.value()),
          "either " + delay.property() + " (a fixed delay) or a percentile, not both", null);
    }
    HedgingConfig config = delay.set()
        ? PropertyChecks.get(delay.property(), delay.value(), "a positive duration, e.g. 100ms",
            () -> HedgingConfig.fixedDelay(delay.value()))
        : PropertyChecks.get(percentile.property(), percentile.value(), "a number above 0 and below 100 (default 95)",
            () -> HedgingConfig.percentileDelay(percentile.or(HedgingConfig.DEFAULT_PERCENTILE)));
    if (maxHedges.set()) {
      HedgingConfig before = config;
      config = PropertyChecks.get(maxHedges.property(), maxHedges.value(), "an integer >= 1",
          () -> before.withMaxHedges(maxHedges.value()));
    }
    if (minDelay.set()) {
      HedgingConfig before = config;
      config = PropertyChecks.get(minDelay.property(), minDelay.value(), "a duration >= 0 (default 1ms)",
          () -> before.withMinDelay(minDelay.value()));
    }
    target.hedging(config);
  }
}
