package io.mesh4j.resilience.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.resilience.FakeTicker;
import io.mesh4j.resilience.Fixtures;
import io.mesh4j.resilience.HedgingConfig;
import io.mesh4j.resilience.ResilientExecutor;
import io.mesh4j.resilience.TimeoutConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules read from a service's recent latencies. The suspect rule for a successful but very
 * slow attempt ({@link DefaultResilientExecutor#slow}): slower than {@value
 * DefaultResilientExecutor#SLOW_MULTIPLE} x the service's median and than the 100 ms floor, each
 * at its edge. The percentile hedge delay ({@link DefaultResilientExecutor#hedgeDelayNanos}).
 */
@Timeout(10)
class LatencyRulesTest {
  private static final String SVC = "slow";
  private static final long FLOOR = DefaultResilientExecutor.SLOW_FLOOR_NANOS;
  private final FakeTicker ticker = new FakeTicker();

  /** The service's state with {@code n} successful attempts of {@code each} recorded. */
  private DefaultResilientExecutor.ServiceState withSamples(int n, Duration each) {
    DefaultResilientExecutor ex = (DefaultResilientExecutor) ResilientExecutor.builder()
        .instances(s -> Fixtures.instances(SVC, 2)).ticker(ticker).build(); // adaptive timeout: latencies tracked
    DefaultResilientExecutor.ServiceState s = ex.state(SVC);
    for (int i = 0; i < n; i++) {
      s.latency.record(each.toNanos());
    }
    return s;
  }

  @Test
  void aboveTenTimesTheMedianAndTheFloorIsSlowAndNotAtIt() {
    DefaultResilientExecutor.ServiceState s = withSamples(TimeoutConfig.ADAPTIVE_MIN_SAMPLES, Duration.ofMillis(20));
    long p50 = s.latency.quantile(2);
    assertTrue(p50 >= Duration.ofMillis(20).toNanos() && p50 < Duration.ofMillis(25).toNanos(), "median " + p50);
    assertEquals(10, DefaultResilientExecutor.SLOW_MULTIPLE);
    assertFalse(DefaultResilientExecutor.slow(s, 10 * p50), "exactly 10 x the median is not suspect");
    assertTrue(DefaultResilientExecutor.slow(s, 10 * p50 + 1), "just above 10 x the median is suspect");
    assertFalse(DefaultResilientExecutor.slow(s, 2 * p50), "2 x the median (over the floor) is an ordinary tail");
    assertFalse(DefaultResilientExecutor.slow(s, p50 / 10), "faster than the median");
  }

  @Test
  void belowTheFloorNothingIsSlowHoweverFastTheMedian() {
    DefaultResilientExecutor.ServiceState s = withSamples(TimeoutConfig.ADAPTIVE_MIN_SAMPLES, Duration.ofMillis(1));
    long p50 = s.latency.quantile(2);
    assertTrue(10 * p50 < FLOOR - 1, "median " + p50);
    assertFalse(DefaultResilientExecutor.slow(s, FLOOR - 1), "just under the 100 ms floor");
    assertTrue(DefaultResilientExecutor.slow(s, FLOOR), "at the floor and far above 10 x the median");
  }

  @Test
  void withoutAMedianYetOrWithoutTrackingNothingIsSlow() {
    DefaultResilientExecutor.ServiceState few = withSamples(TimeoutConfig.ADAPTIVE_MIN_SAMPLES - 1, Duration.ofMillis(1));
    assertEquals(-1, few.latency.quantile(2), "too few samples for a median");
    assertFalse(DefaultResilientExecutor.slow(few, Duration.ofSeconds(5).toNanos()));

    DefaultResilientExecutor fixed = (DefaultResilientExecutor) ResilientExecutor.builder()
        .instances(s -> Fixtures.instances(SVC, 2)).ticker(ticker)
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(1)).build()).build();
    DefaultResilientExecutor.ServiceState untracked = fixed.state(SVC);
    assertNull(untracked.latency, "a fixed attempt timeout and no hedging track no latencies");
    assertFalse(DefaultResilientExecutor.slow(untracked, Duration.ofSeconds(5).toNanos()));
  }

  @Test
  void aPercentileHedgeWaitsForThatPercentileOfTheServiceAndAtLeastItsMinimum() {
    DefaultResilientExecutor ex = (DefaultResilientExecutor) ResilientExecutor.builder()
        .instances(s -> Fixtures.instances(SVC, 2)).ticker(ticker)
        .timeouts(TimeoutConfig.builder().attemptTimeout(Duration.ofSeconds(1)).build()) // tracked for hedging only
        .hedging(HedgingConfig.percentileDelay(50).withMinDelay(Duration.ofMillis(1))).build();
    DefaultResilientExecutor.ServiceState s = ex.state(SVC);
    for (int i = 0; i < TimeoutConfig.ADAPTIVE_MIN_SAMPLES - 1; i++) {
      s.latency.record(Duration.ofMillis(i < 15 ? 20 : 400).toNanos());
    }
    assertEquals(-1, ex.hedgeDelayNanos(s), "no hedge while the window holds too few samples");
    s.latency.record(Duration.ofMillis(400).toNanos());
    long p50 = s.latency.quantile(2);
    assertTrue(p50 >= Duration.ofMillis(20).toNanos() && p50 < Duration.ofMillis(25).toNanos(), "median " + p50);
    assertTrue(s.latency.quantile(0) >= Duration.ofMillis(400).toNanos(), "p99 " + s.latency.quantile(0));
    assertEquals(p50, ex.hedgeDelayNanos(s), "the 50th percentile, not the p99");

    DefaultResilientExecutor floored = (DefaultResilientExecutor) ResilientExecutor.builder()
        .instances(x -> Fixtures.instances(SVC, 2)).ticker(ticker)
        .hedging(HedgingConfig.percentileDelay(50).withMinDelay(Duration.ofMillis(100))).build();
    DefaultResilientExecutor.ServiceState f = floored.state(SVC);
    for (int i = 0; i < TimeoutConfig.ADAPTIVE_MIN_SAMPLES; i++) {
      f.latency.record(Duration.ofMillis(20).toNanos());
    }
    assertEquals(Duration.ofMillis(100).toNanos(), floored.hedgeDelayNanos(f), "never below the minimum delay");
  }
}
