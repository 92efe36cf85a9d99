package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ConfigValidationTest {
  private static void failsNaming(String setting, Executable build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    assertTrue(e.getMessage().contains(setting), () -> "message should name " + setting + ": " + e.getMessage());
  }

  @Test
  void retryRejectsBadSettings() {
    failsNaming("maxAttempts", () -> RetryConfig.builder().maxAttempts(0).build());
    failsNaming("maxAttempts", () -> RetryConfig.builder().maxAttempts(-3).build());
    failsNaming("backoff max", () -> RetryConfig.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build());
    failsNaming("backoff base", () -> RetryConfig.builder().backoff(Duration.ofMillis(-1), Duration.ofSeconds(1)).build());
    failsNaming("retryAfterMax", () -> RetryConfig.builder().retryAfterMax(Duration.ofSeconds(-1)).build());
    assertThrows(NullPointerException.class, () -> RetryConfig.builder().backoff(null, Duration.ZERO));
  }

  @Test
  void budgetRejectsBadSettings() {
    failsNaming("ratio", () -> RetryBudgetConfig.builder().ratio(1.5).build());
    failsNaming("ratio", () -> RetryBudgetConfig.builder().ratio(-0.1).build());
    failsNaming("window", () -> RetryBudgetConfig.builder().window(Duration.ofMillis(10)).build());
    failsNaming("minRetriesPerSecond", () -> RetryBudgetConfig.builder().minRetriesPerSecond(-1).build());
  }

  @Test
  void ejectionRejectsBadSettings() {
    failsNaming("consecutiveFailures", () -> OutlierEjectionConfig.builder().consecutiveFailures(0).build());
    failsNaming("failureRateThreshold",
        () -> OutlierEjectionConfig.builder().failureRate(1.2, 20, Duration.ofSeconds(10)).build());
    failsNaming("maxEjectionTime", () -> OutlierEjectionConfig.builder()
        .ejectionTime(Duration.ofSeconds(30), Duration.ofSeconds(10)).build());
    failsNaming("maxEjectionPercent", () -> OutlierEjectionConfig.builder().maxEjectionPercent(101).build());
    failsNaming("trialCalls", () -> OutlierEjectionConfig.builder().trialCalls(0).build());
    failsNaming("returnJitter", () -> OutlierEjectionConfig.builder().returnJitter(2).build());
  }

  @Test
  void breakerTimeoutsBulkheadRateLimitRejectBadSettings() {
    failsNaming("failureRatePercent",
        () -> CircuitBreakerConfig.builder().failureRate(0, 20, Duration.ofSeconds(10)).build());
    failsNaming("halfOpenTrials", () -> CircuitBreakerConfig.builder().halfOpenTrials(0).build());
    failsNaming("openFor", () -> CircuitBreakerConfig.builder().openFor(Duration.ZERO).build());
    failsNaming("attemptTimeout", () -> TimeoutConfig.builder().attemptTimeout(Duration.ofMillis(-5)).build());
    failsNaming("callTimeout", () -> TimeoutConfig.builder().callTimeout(Duration.ZERO).build());
    failsNaming("maxConcurrentCalls", () -> BulkheadConfig.builder().maxConcurrentCalls(0).build());
    failsNaming("permits", () -> RateLimiterConfig.smooth(0, Duration.ofSeconds(1)));
    failsNaming("period", () -> RateLimiterConfig.bursty(5, Duration.ZERO));
    failsNaming("attemptTimeout", () -> CallOptions.builder().attemptTimeout(Duration.ZERO));
    assertThrows(IllegalStateException.class, () -> RateLimiterConfig.disabled().withMaxWait(Duration.ofMillis(1)));
  }

  @Test
  void executorNeedsInstances() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> ResilientExecutor.builder().build());
    assertTrue(e.getMessage().contains("discovery"));
  }

  @Test
  void defaultsMatchTheDocumentedTable() {
    assertEquals(3, RetryConfig.defaults().maxAttempts());
    assertFalse(RetryConfig.defaults().retryNonIdempotent());
    assertTrue(RetryBudgetConfig.defaults().enabled());
    assertEquals(0.2, RetryBudgetConfig.defaults().ratio());
    assertEquals(10, RetryBudgetConfig.defaults().minRetriesPerSecond());
    assertEquals(5, OutlierEjectionConfig.defaults().consecutiveFailures());
    assertEquals(50, OutlierEjectionConfig.defaults().maxEjectionPercent());
    assertEquals(Duration.ofSeconds(30), OutlierEjectionConfig.defaults().baseEjectionTime());
    assertEquals(Duration.ofSeconds(300), OutlierEjectionConfig.defaults().maxEjectionTime());
    assertEquals(50, CircuitBreakerConfig.defaults().failureRatePercent());
    assertEquals(3, CircuitBreakerConfig.defaults().halfOpenTrials());
    assertFalse(RateLimiterConfig.disabled().enabled());
    // Issue 14: defaults that survive a black hole or a slow drip.
    assertTrue(TimeoutConfig.defaults().adaptive());
    assertEquals(5.0, TimeoutConfig.defaults().adaptiveMultiplier());
    assertEquals(Duration.ofSeconds(1), TimeoutConfig.defaults().adaptiveMin());
    assertEquals(Duration.ofSeconds(10), TimeoutConfig.defaults().attemptTimeout());
    assertEquals(Duration.ofSeconds(30), TimeoutConfig.defaults().callTimeout());
    assertEquals(256, BulkheadConfig.defaults().maxConcurrentCalls());
    assertEquals(64, BulkheadConfig.defaults().maxAttemptsPerInstance());
    assertFalse(HedgingConfig.disabled().enabled());
    assertEquals(1, HedgingConfig.percentileDelay(95).maxHedges());
    assertEquals(Duration.ofMillis(1), HedgingConfig.percentileDelay(95).minDelay());
  }

  @Test
  void chaosSettingsRejectBadValues() {
    failsNaming("maxAttemptsPerInstance", () -> BulkheadConfig.builder().maxAttemptsPerInstance(0));
    failsNaming("multiplier", () -> TimeoutConfig.builder()
        .adaptiveAttemptTimeout(0.5, Duration.ofSeconds(1), Duration.ofSeconds(10)));
    failsNaming("adaptive attemptTimeout min", () -> TimeoutConfig.builder()
        .adaptiveAttemptTimeout(5, Duration.ofSeconds(20), Duration.ofSeconds(10)).build());
    failsNaming("hedging percentile", () -> HedgingConfig.percentileDelay(100));
    failsNaming("hedging delay", () -> HedgingConfig.fixedDelay(Duration.ZERO));
    failsNaming("maxHedges", () -> HedgingConfig.percentileDelay(95).withMaxHedges(0));
  }
}
