package io.mesh4j.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.LoadBalancer;
import io.mesh4j.api.ServiceInstance;
import io.mesh4j.api.Ticker;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pins the arithmetic of the power-of-two-choices balancer: the in-flight count that never goes
 * below zero, the peak-EWMA update and decay with varied latencies, and the cost
 * {@code latency x (outstanding + 1)} with calls in flight. The ticker is moved by hand.
 */
@Timeout(30)
class PowerOfTwoChoicesArithmeticTest {
  private static final long DECAY = Duration.ofSeconds(10).toNanos();
  private static final long MS = 1_000_000L;
  private static final ServiceInstance A = instance(1);
  private static final ServiceInstance B = instance(2);

  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final Ticker ticker = now::get;

  private static ServiceInstance instance(int n) {
    return ServiceInstance.newBuilder().serviceName("svc").host("127.0.0." + n).port(9000 + n).build();
  }

  private PowerOfTwoChoicesLoadBalancer peakEwma() {
    Random seeded = new Random(11);
    return new PowerOfTwoChoicesLoadBalancer(true, DECAY, ticker, () -> seeded);
  }

  private PowerOfTwoChoicesLoadBalancer leastOutstanding() {
    Random seeded = new Random(11);
    return new PowerOfTwoChoicesLoadBalancer(false, 1, ticker, () -> seeded);
  }

  /** One finished attempt of {@code latencyMs} on {@code instance}, now. */
  private static void sample(PowerOfTwoChoicesLoadBalancer lb, ServiceInstance instance, long latencyMs) {
    lb.onAttemptStart(instance);
    lb.onAttemptEnd(instance, latencyMs * MS, true);
  }

  @Test
  void anAttemptEndedWithoutAStartNeverDrivesTheCountBelowZero() {
    PowerOfTwoChoicesLoadBalancer lb = leastOutstanding();
    lb.onAttemptEnd(A, 5 * MS, true); // e.g. the entry was dropped by retainOnly mid-attempt
    assertEquals(0, lb.outstanding(A));
    lb.onAttemptStart(B);
    // A count of -1 on A would make it a magnet; at 0 vs 1 it wins because B is busier, and a
    // second start on A then ties them at 1.
    for (int i = 0; i < 50; i++) {
      assertEquals(A, lb.choose("svc", List.of(A, B), Set.of()));
    }
    lb.onAttemptStart(A);
    assertEquals(1, lb.outstanding(A));
    lb.onAttemptEnd(A, 5 * MS, true);
    lb.onAttemptEnd(A, 5 * MS, true);
    assertEquals(0, lb.outstanding(A));
  }

  @Test
  void lowerSamplesPullTheEstimateDownWithTheExponentialWeightOfTheElapsedTime() {
    PowerOfTwoChoicesLoadBalancer lb = peakEwma();
    sample(lb, A, 100);
    assertEquals(100.0 * MS, lb.latencyEstimateNanos(A), 1e-3, "the first sample is the estimate");
    now.addAndGet(DECAY); // one time constant later
    double w = Math.exp(-1);
    double decayed = 100.0 * MS * w;
    assertEquals(decayed, lb.latencyEstimateNanos(A), 1e-3 * MS, "reads decay toward zero");
    sample(lb, A, 10);
    double expected = 100.0 * MS * w + 10.0 * MS * (1 - w);
    assertEquals(expected, lb.latencyEstimateNanos(A), 1e-3 * MS, "weighted: old x w + new x (1 - w)");
    now.addAndGet(DECAY / 2);
    assertEquals(expected * Math.exp(-0.5), lb.latencyEstimateNanos(A), 1e-3 * MS);
    // A sample above the decayed estimate replaces it at once (the peak).
    sample(lb, A, 70);
    assertEquals(70.0 * MS, lb.latencyEstimateNanos(A), 1e-3 * MS);
  }

  @Test
  void aClockThatStepsBackNeitherGrowsNorMisweightsTheEstimate() {
    PowerOfTwoChoicesLoadBalancer lb = peakEwma();
    sample(lb, A, 40);
    now.addAndGet(-DECAY);
    assertEquals(40.0 * MS, lb.latencyEstimateNanos(A), 1e-3 * MS);
    sample(lb, A, 20); // elapsed counts as zero: full weight on the old estimate
    assertEquals(40.0 * MS, lb.latencyEstimateNanos(A), 1e-3 * MS);
  }

  @Test
  void costIsLatencyTimesOutstandingPlusOneWithCallsInFlight() {
    PowerOfTwoChoicesLoadBalancer lb = peakEwma();
    sample(lb, A, 10);
    sample(lb, B, 25);
    // Nothing in flight: A (10 ms) is cheaper than B (25 ms).
    for (int i = 0; i < 50; i++) {
      assertEquals(A, lb.choose("svc", List.of(A, B), Set.of()));
    }
    // One call in flight on A: 10 x 2 = 20 < 25, still A.
    lb.onAttemptStart(A);
    for (int i = 0; i < 50; i++) {
      assertEquals(A, lb.choose("svc", List.of(A, B), Set.of()));
    }
    // Two in flight on A: 10 x 3 = 30 > 25, now B.
    lb.onAttemptStart(A);
    for (int i = 0; i < 50; i++) {
      assertEquals(B, lb.choose("svc", List.of(A, B), Set.of()));
    }
    // One of them ends (fast): back to 10 x 2 = 20 < 25.
    lb.onAttemptEnd(A, 10 * MS, true);
    for (int i = 0; i < 50; i++) {
      assertEquals(A, lb.choose("svc", List.of(A, B), Set.of()));
    }
  }

  @Test
  void equalCostsAreBrokenAtRandomDifferentCostsNever() {
    PowerOfTwoChoicesLoadBalancer lb = leastOutstanding();
    int a = 0;
    for (int i = 0; i < 400; i++) {
      a += lb.choose("svc", List.of(A, B), Set.of()).equals(A) ? 1 : 0;
    }
    assertTrue(a > 120 && a < 280, "a tie goes either way: " + a + " of 400 to A");
    lb.onAttemptStart(B);
    for (int i = 0; i < 50; i++) {
      assertEquals(A, lb.choose("svc", List.of(A, B), Set.of()));
    }
  }

  @Test
  void leastOutstandingLearnsNoLatency() {
    PowerOfTwoChoicesLoadBalancer lb = leastOutstanding();
    sample(lb, A, 80);
    assertEquals(0.0, lb.latencyEstimateNanos(A));
    assertEquals(0.0, lb.latencyEstimateNanos(B), "unknown instance");
    assertEquals(0, lb.outstanding(B));
  }

  @Test
  void retainOnlyForgetsInstancesThatLeft() {
    PowerOfTwoChoicesLoadBalancer lb = peakEwma();
    sample(lb, A, 30);
    lb.onAttemptStart(B);
    lb.retainOnly(Set.of(B));
    assertEquals(0.0, lb.latencyEstimateNanos(A));
    assertEquals(1, lb.outstanding(B));
  }

  /** Issue 11, item 16: a long-running client must not keep every instance it ever saw. */
  @Test
  void instancesIdleForTenMinutesAreForgottenButNotOnesWithAttemptsInFlight() {
    for (PowerOfTwoChoicesLoadBalancer lb : List.of(peakEwma(), leastOutstanding())) {
      for (int i = 0; i < 3000; i++) { // instances that came and went (a rolling deploy every so often)
        ServiceInstance gone = ServiceInstance.newBuilder().serviceName("svc").host("10.0." + (i / 250) + "." + (i % 250))
            .port(8080).build();
        lb.onAttemptStart(gone);
        lb.onAttemptEnd(gone, 5 * MS, true);
      }
      lb.onAttemptStart(B); // still in flight when the sweep runs
      assertEquals(3001, lb.trackedInstances());
      now.addAndGet(PowerOfTwoChoicesLoadBalancer.IDLE_NANOS + 1);
      for (int i = 0; i < PowerOfTwoChoicesLoadBalancer.SWEEP_EVERY; i++) {
        lb.onAttemptStart(A);
        lb.onAttemptEnd(A, 5 * MS, true);
      }
      assertEquals(2, lb.trackedInstances(), "only the one in use and the one with an attempt in flight are kept");
      assertEquals(1, lb.outstanding(B));
    }
  }

  @Test
  void decayMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new PowerOfTwoChoicesLoadBalancer(true, 0, ticker, Random::new));
    assertThrows(IllegalArgumentException.class, () -> new PowerOfTwoChoicesLoadBalancer(true, -5, ticker, Random::new));
    assertEquals("LoadBalancer.peakEwma()", new PowerOfTwoChoicesLoadBalancer(true, 1, ticker, Random::new).toString());
  }

  @Test
  void factoriesNameWhatTheyBuild() {
    assertEquals("LoadBalancer.peakEwma()", LoadBalancer.peakEwma().toString());
    assertEquals("LoadBalancer.peakEwma()", LoadBalancer.peakEwma(Duration.ofSeconds(1), ticker).toString());
    assertEquals("LoadBalancer.roundRobin()", LoadBalancer.roundRobin().toString());
  }
}
