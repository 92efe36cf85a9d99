package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.api.internal.PowerOfTwoChoicesLoadBalancer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PowerOfTwoChoicesLoadBalancerTest {
  private static final List<ServiceInstance> THREE = List.of(
      RoundRobinLoadBalancerTest.instance(1), RoundRobinLoadBalancerTest.instance(2), RoundRobinLoadBalancerTest.instance(3));
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final Ticker ticker = now::get;

  private PowerOfTwoChoicesLoadBalancer balancer(boolean latencyAware) {
    Random seeded = new Random(42);
    return new PowerOfTwoChoicesLoadBalancer(latencyAware, Duration.ofSeconds(10).toNanos(), ticker, () -> seeded);
  }

  @Test
  void leastOutstandingAvoidsTheBusyInstance() {
    PowerOfTwoChoicesLoadBalancer lb = balancer(false);
    ServiceInstance busy = THREE.get(0);
    for (int i = 0; i < 10; i++) {
      lb.onAttemptStart(busy);
    }
    Map<ServiceInstance, Integer> picks = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      picks.merge(lb.choose("svc", THREE, Set.of()), 1, Integer::sum);
    }
    // The busy one can only win a draw against itself, which two distinct draws never make.
    assertEquals(null, picks.get(busy));
    assertTrue(picks.get(THREE.get(1)) > 1200 && picks.get(THREE.get(2)) > 1200, picks.toString());
    assertEquals(10, lb.outstanding(busy));
    lb.onAttemptEnd(busy, 5, true);
    assertEquals(9, lb.outstanding(busy));
  }

  @Test
  void peakEwmaSendsLittleToTheSlowInstanceAndProbesItLater() {
    PowerOfTwoChoicesLoadBalancer lb = balancer(true);
    ServiceInstance slow = THREE.get(2);
    Map<ServiceInstance, Integer> picks = new HashMap<>();
    for (int i = 0; i < 3000; i++) {
      ServiceInstance chosen = lb.choose("svc", THREE, Set.of());
      picks.merge(chosen, 1, Integer::sum);
      lb.onAttemptStart(chosen);
      long latency = chosen.equals(slow) ? 50_000_000L : 1_000_000L;
      now.addAndGet(1_000_000L); // 1 ms between calls
      lb.onAttemptEnd(chosen, latency, true);
    }
    int slowShare = picks.getOrDefault(slow, 0);
    assertTrue(slowShare < 3000 * 0.05, "slow instance got " + slowShare + " of 3000: " + picks);
    assertTrue(slowShare >= 1, "it was probed at least once");
    // A peak replaces the estimate at once; lower samples pull it down gradually.
    lb.onAttemptStart(THREE.get(0));
    lb.onAttemptEnd(THREE.get(0), 80_000_000L, true);
    assertEquals(80_000_000.0, lb.latencyEstimateNanos(THREE.get(0)), 1.0);
    // After a long quiet time, every estimate decays toward zero: the slow one is tried again.
    now.addAndGet(Duration.ofMinutes(5).toNanos());
    assertTrue(lb.latencyEstimateNanos(slow) < 1_000.0);
  }

  @Test
  void honoursExclusionsAndEmptyCandidates() {
    PowerOfTwoChoicesLoadBalancer lb = balancer(true);
    for (int i = 0; i < 200; i++) {
      assertEquals(THREE.get(1), lb.choose("svc", THREE, Set.of(THREE.get(0), THREE.get(2))));
    }
    for (int i = 0; i < 200; i++) {
      assertTrue(!lb.choose("svc", THREE, Set.of(THREE.get(0))).equals(THREE.get(0)));
    }
    assertEquals(THREE.get(0), lb.choose("svc", List.of(THREE.get(0)), Set.of(THREE.get(0))));
    assertThrows(NoInstanceAvailableException.class, () -> lb.choose("svc", List.of(), Set.of()));
  }

  @Test
  void factoryValidatesDecay() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoadBalancer.peakEwma(Duration.ZERO, Ticker.system()));
    assertTrue(e.getMessage().contains("decay"));
    assertEquals("LoadBalancer.leastOutstanding()", LoadBalancer.leastOutstanding().toString());
  }
}
