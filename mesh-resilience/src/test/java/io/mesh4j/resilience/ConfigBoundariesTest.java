package io.mesh4j.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * Each config's range checks at their edges: the last value accepted and the first refused, and
 * that what was set is what the built config reports (ConfigValidationTest holds the plainly bad
 * values and the defaults).
 */
@Timeout(10)
class ConfigBoundariesTest {
  private static void refused(String setting, Executable build) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
    assertTrue(e.getMessage().contains(setting), () -> "message should name " + setting + ": " + e.getMessage());
  }

  @Test
  void breakerAcceptsItsEdgesAndReportsWhatWasSet() {
    CircuitBreakerConfig low = CircuitBreakerConfig.builder().failureRate(1, 1, Duration.ofMillis(10))
        .openFor(Duration.ofNanos(1)).openJitter(0).halfOpenTrials(1).build();
    assertTrue(low.enabled());
    assertEquals(1, low.failureRatePercent());
    assertEquals(1, low.minimumCalls());
    assertEquals(Duration.ofMillis(10), low.window());
    assertEquals(Duration.ofNanos(1), low.openFor());
    assertEquals(0.0, low.openJitter());
    assertEquals(1, low.halfOpenTrials());
    CircuitBreakerConfig high = CircuitBreakerConfig.builder().failureRate(100, 7, Duration.ofSeconds(3))
        .openJitter(1).halfOpenTrials(4).build();
    assertEquals(100, high.failureRatePercent());
    assertEquals(1.0, high.openJitter());
    assertEquals(
        "CircuitBreakerConfig{failureRate=100% of 7 in PT3S, openFor=PT30S +1.0, halfOpenTrials=4}", high.toString());
    assertEquals("CircuitBreakerConfig{disabled}", CircuitBreakerConfig.disabled().toString());
    assertFalse(CircuitBreakerConfig.disabled().enabled());
    assertTrue(CircuitBreakerConfig.defaults().enabled());
    assertEquals(20, CircuitBreakerConfig.defaults().minimumCalls());
    assertEquals(Duration.ofSeconds(10), CircuitBreakerConfig.defaults().window());
    assertEquals(Duration.ofSeconds(30), CircuitBreakerConfig.defaults().openFor());
    assertEquals(0.2, CircuitBreakerConfig.defaults().openJitter());
  }

  @Test
  void breakerRefusesJustPastItsEdges() {
    refused("failureRatePercent", () -> CircuitBreakerConfig.builder().failureRate(101, 1, Duration.ofSeconds(1)).build());
    refused("minimumCalls", () -> CircuitBreakerConfig.builder().failureRate(50, 0, Duration.ofSeconds(1)).build());
    refused("window", () -> CircuitBreakerConfig.builder().failureRate(50, 1, Duration.ofMillis(9)).build());
    refused("window", () -> CircuitBreakerConfig.builder().failureRate(50, 1, Duration.ZERO).build());
    refused("openFor", () -> CircuitBreakerConfig.builder().openFor(Duration.ofNanos(-1)).build());
    refused("openJitter", () -> CircuitBreakerConfig.builder().openJitter(-0.01).build());
    refused("openJitter", () -> CircuitBreakerConfig.builder().openJitter(1.01).build());
  }

  @Test
  void ejectionAcceptsItsEdgesAndReportsWhatWasSet() {
    OutlierEjectionConfig c = OutlierEjectionConfig.builder().consecutiveFailures(1)
        .failureRate(1, 1, Duration.ofMillis(1)).ejectionTime(Duration.ofSeconds(2), Duration.ofSeconds(2))
        .returnJitter(0).maxEjectionPercent(0).trialCalls(1).consecutiveSuspectAttempts(0).build();
    assertTrue(c.enabled());
    assertEquals(1, c.consecutiveFailures());
    assertEquals(1.0, c.failureRateThreshold());
    assertEquals(1, c.minimumCalls());
    assertEquals(Duration.ofMillis(1), c.window());
    assertEquals(Duration.ofSeconds(2), c.baseEjectionTime());
    assertEquals(Duration.ofSeconds(2), c.maxEjectionTime());
    assertEquals(0.0, c.returnJitter());
    assertEquals(0, c.maxEjectionPercent());
    assertEquals(1, c.trialCalls());
    assertEquals(0, c.consecutiveSuspectAttempts());
    OutlierEjectionConfig high = OutlierEjectionConfig.builder().failureRate(0.001, 3, Duration.ofSeconds(4))
        .returnJitter(1).maxEjectionPercent(100).trialCalls(2).consecutiveSuspectAttempts(7).build();
    assertEquals(0.001, high.failureRateThreshold());
    assertEquals(1.0, high.returnJitter());
    assertEquals(100, high.maxEjectionPercent());
    assertEquals("OutlierEjectionConfig{consecutiveFailures=5, failureRate=0.001/3 in PT4S, ejection=PT30S..PT5M, "
        + "returnJitter=1.0, maxEjectionPercent=100, trialCalls=2, consecutiveSuspectAttempts=7}", high.toString());
    assertEquals("OutlierEjectionConfig{disabled}", OutlierEjectionConfig.disabled().toString());
    assertFalse(OutlierEjectionConfig.disabled().enabled());
    assertTrue(OutlierEjectionConfig.defaults().enabled());
    assertEquals(0.5, OutlierEjectionConfig.defaults().failureRateThreshold());
    assertEquals(20, OutlierEjectionConfig.defaults().minimumCalls());
    assertEquals(Duration.ofSeconds(10), OutlierEjectionConfig.defaults().window());
    assertEquals(0.1, OutlierEjectionConfig.defaults().returnJitter());
    assertEquals(1, OutlierEjectionConfig.defaults().trialCalls());
    assertEquals(10, OutlierEjectionConfig.defaults().consecutiveSuspectAttempts());
  }

  @Test
  void ejectionRefusesJustPastItsEdges() {
    refused("failureRateThreshold",
        () -> OutlierEjectionConfig.builder().failureRate(0, 20, Duration.ofSeconds(10)).build());
    refused("failureRateThreshold",
        () -> OutlierEjectionConfig.builder().failureRate(1.0001, 20, Duration.ofSeconds(10)).build());
    refused("minimumCalls", () -> OutlierEjectionConfig.builder().failureRate(0.5, 0, Duration.ofSeconds(10)).build());
    refused("window", () -> OutlierEjectionConfig.builder().failureRate(0.5, 1, Duration.ZERO).build());
    refused("baseEjectionTime",
        () -> OutlierEjectionConfig.builder().ejectionTime(Duration.ZERO, Duration.ofSeconds(1)).build());
    refused("maxEjectionTime",
        () -> OutlierEjectionConfig.builder().ejectionTime(Duration.ofSeconds(1), Duration.ZERO).build());
    refused("maxEjectionTime", () -> OutlierEjectionConfig.builder()
        .ejectionTime(Duration.ofSeconds(2), Duration.ofSeconds(2).minusNanos(1)).build());
    refused("returnJitter", () -> OutlierEjectionConfig.builder().returnJitter(-0.01).build());
    refused("maxEjectionPercent", () -> OutlierEjectionConfig.builder().maxEjectionPercent(-1).build());
    refused("consecutiveSuspectAttempts", () -> OutlierEjectionConfig.builder().consecutiveSuspectAttempts(-1).build());
  }

  @Test
  void budgetAcceptsItsEdgesAndRefusesJustPastThem() {
    RetryBudgetConfig none = RetryBudgetConfig.builder().ratio(0).window(Duration.ofSeconds(1)).minRetriesPerSecond(0)
        .build();
    assertTrue(none.enabled());
    assertEquals(0.0, none.ratio());
    assertEquals(Duration.ofSeconds(1), none.window());
    assertEquals(0, none.minRetriesPerSecond());
    RetryBudgetConfig all = RetryBudgetConfig.builder().ratio(1).window(Duration.ofSeconds(60)).minRetriesPerSecond(3)
        .build();
    assertEquals(1.0, all.ratio());
    assertEquals(Duration.ofSeconds(60), all.window());
    assertEquals("RetryBudgetConfig{ratio=1.0, window=PT1M, minRetriesPerSecond=3}", all.toString());
    assertEquals("RetryBudgetConfig{disabled}", RetryBudgetConfig.disabled().toString());
    assertFalse(RetryBudgetConfig.disabled().enabled());
    assertEquals(Duration.ofSeconds(10), RetryBudgetConfig.defaults().window());
    refused("window", () -> RetryBudgetConfig.builder().window(Duration.ofSeconds(1).minusNanos(1)).build());
    refused("window", () -> RetryBudgetConfig.builder().window(Duration.ofSeconds(60).plusNanos(1)).build());
    refused("window", () -> RetryBudgetConfig.builder().window(Duration.ZERO).build());
    refused("ratio", () -> RetryBudgetConfig.builder().ratio(1.0001).build());
  }

  @Test
  void timeoutsAcceptTheirEdgesAndReportWhatWasSet() {
    TimeoutConfig fixed = TimeoutConfig.builder().attemptTimeout(Duration.ofNanos(1)).callTimeout(Duration.ofNanos(1))
        .interruptSyncAttempts(true).build();
    assertFalse(fixed.adaptive());
    assertEquals(Duration.ofNanos(1), fixed.attemptTimeout());
    assertEquals(Duration.ofNanos(1), fixed.callTimeout());
    assertTrue(fixed.interruptSyncAttempts());
    assertFalse(TimeoutConfig.defaults().interruptSyncAttempts());
    TimeoutConfig adaptive = TimeoutConfig.builder()
        .adaptiveAttemptTimeout(1, Duration.ofSeconds(2), Duration.ofSeconds(2)).build();
    assertTrue(adaptive.adaptive());
    assertEquals(1.0, adaptive.adaptiveMultiplier());
    assertEquals(Duration.ofSeconds(2), adaptive.adaptiveMin());
    assertEquals(Duration.ofSeconds(2), adaptive.attemptTimeout());
    assertTrue(adaptive.toString().contains("1.0xp99 in [PT2S, PT2S]"), adaptive.toString());
    assertTrue(fixed.toString().contains("PT0.000000001S"), fixed.toString());
    refused("multiplier", () -> TimeoutConfig.builder().adaptiveAttemptTimeout(0.999, Duration.ofSeconds(1),
        Duration.ofSeconds(2)));
    refused("adaptive attemptTimeout min", () -> TimeoutConfig.builder()
        .adaptiveAttemptTimeout(2, Duration.ZERO, Duration.ofSeconds(2)).build());
    refused("adaptive attemptTimeout min", () -> TimeoutConfig.builder()
        .adaptiveAttemptTimeout(2, Duration.ofSeconds(2).plusNanos(1), Duration.ofSeconds(2)).build());
    refused("attemptTimeout", () -> TimeoutConfig.builder().attemptTimeout(Duration.ZERO).build());
  }

  @Test
  void bulkheadAndRateLimiterAcceptTheirEdges() {
    BulkheadConfig b = BulkheadConfig.builder().maxConcurrentCalls(1).maxWait(Duration.ZERO).maxAttemptsPerInstance(1)
        .build();
    assertTrue(b.enabled());
    assertEquals(1, b.maxConcurrentCalls());
    assertEquals(Duration.ZERO, b.maxWait());
    assertEquals(1, b.maxAttemptsPerInstance());
    assertTrue(b.toString().startsWith("BulkheadConfig{max=1, maxWait=PT0S"), b.toString());
    assertFalse(BulkheadConfig.disabled().enabled());
    assertTrue(BulkheadConfig.disabled().toString().contains("disabled"), BulkheadConfig.disabled().toString());
    refused("maxWait", () -> BulkheadConfig.builder().maxWait(Duration.ofNanos(-1)).build());

    RateLimiterConfig r = RateLimiterConfig.bursty(1, Duration.ofNanos(1)).withMaxWait(Duration.ZERO);
    assertTrue(r.enabled());
    assertFalse(r.smooth());
    assertEquals(1, r.permits());
    assertEquals(Duration.ofNanos(1), r.period());
    assertEquals(Duration.ZERO, r.maxWait());
    RateLimiterConfig smooth = RateLimiterConfig.smooth(5, Duration.ofSeconds(1)).withMaxWait(Duration.ofMillis(7));
    assertTrue(smooth.smooth());
    assertEquals(Duration.ofMillis(7), smooth.maxWait());
    assertTrue(smooth.toString().startsWith("RateLimiterConfig{smooth 5 per PT1S"), smooth.toString());
    assertTrue(r.toString().startsWith("RateLimiterConfig{bursty 1 per"), r.toString());
    refused("maxWait", () -> RateLimiterConfig.smooth(5, Duration.ofSeconds(1)).withMaxWait(Duration.ofNanos(-1)));
  }

  @Test
  void retryAcceptsItsEdgesAndItsBuilderStartsFromTheConfig() {
    RetryConfig one = RetryConfig.builder().maxAttempts(1).backoff(Duration.ZERO, Duration.ZERO)
        .retryAfterMax(Duration.ZERO).retryNonIdempotent(true).build();
    assertEquals(1, one.maxAttempts());
    assertEquals(Duration.ZERO, one.backoffBase());
    assertEquals(Duration.ZERO, one.backoffMax());
    assertEquals(Duration.ZERO, one.retryAfterMax());
    assertTrue(one.retryNonIdempotent());
    RetryConfig copy = one.toBuilder().build();
    assertEquals(one.toString(), copy.toString());
    assertTrue(copy.retryNonIdempotent());
    assertEquals(Duration.ZERO, copy.retryAfterMax());
    RetryConfig same = RetryConfig.builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(1)).build();
    assertEquals(Duration.ofSeconds(1), same.backoffMax());
    assertTrue(same.toString().startsWith("RetryConfig{maxAttempts=3, backoff=PT1S..PT1S"), same.toString());
    assertEquals(1, RetryConfig.disabled().maxAttempts());
    assertEquals(Duration.ofMillis(50), RetryConfig.defaults().backoffBase());
    assertEquals(Duration.ofSeconds(5), RetryConfig.defaults().retryAfterMax());
  }

  @Test
  void hedgingAcceptsItsEdges() {
    HedgingConfig p = HedgingConfig.percentileDelay(0.001).withMaxHedges(1).withMinDelay(Duration.ZERO);
    assertTrue(p.enabled());
    assertNull(p.delay());
    assertEquals(0.001, p.percentile());
    assertEquals(Duration.ZERO, p.minDelay());
    assertEquals(1, p.maxHedges());
    assertEquals(99.999, HedgingConfig.percentileDelay(99.999).percentile());
    HedgingConfig f = HedgingConfig.fixedDelay(Duration.ofNanos(1)).withMaxHedges(3);
    assertEquals(Duration.ofNanos(1), f.delay());
    assertEquals(3, f.maxHedges());
    assertTrue(f.enabled());
    assertTrue(f.toString().contains("delay=PT0.000000001S"), f.toString());
    assertTrue(p.toString().contains("p0.001 (min PT0S)"), p.toString());
    assertEquals("HedgingConfig{disabled}", HedgingConfig.disabled().toString());
    refused("hedging percentile", () -> HedgingConfig.percentileDelay(0));
    refused("hedging minDelay", () -> HedgingConfig.percentileDelay(95).withMinDelay(Duration.ofNanos(-1)));
  }

  @Test
  void callOptionsReportWhatWasSet() {
    Function<Throwable, String> fallback = e -> "fallback";
    OutcomeClassifier<Object> classifier = OutcomeClassifier.successOnReturn();
    CallOptions<String> o = CallOptions.<String>builder().idempotent(true).maxAttempts(1)
        .attemptTimeout(Duration.ofNanos(1)).callTimeout(Duration.ofNanos(2)).classifier(classifier).fallback(fallback)
        .build();
    assertTrue(o.isIdempotent());
    assertEquals(OptionalInt.of(1), o.maxAttempts());
    assertEquals(Duration.ofNanos(1), o.attemptTimeout());
    assertEquals(Duration.ofNanos(2), o.callTimeout());
    assertSame(classifier, o.classifier());
    assertSame(fallback, o.fallback());
    assertEquals("CallOptions{idempotent=true, maxAttempts=1, attemptTimeout=PT0.000000001S, "
        + "callTimeout=PT0.000000002S, fallback=true}", o.toString());
    assertEquals("CallOptions{idempotent=false, maxAttempts=policy, attemptTimeout=null, callTimeout=null, "
        + "fallback=false}", CallOptions.defaults().toString());
    assertEquals(OptionalInt.empty(), CallOptions.defaults().maxAttempts());
    assertTrue(CallOptions.idempotent().isIdempotent());
    assertFalse(CallOptions.defaults().isIdempotent());
    refused("maxAttempts", () -> CallOptions.builder().maxAttempts(0));
    refused("callTimeout", () -> CallOptions.builder().callTimeout(Duration.ZERO));
  }
}
