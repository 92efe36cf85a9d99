package io.mesh4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class RoundRobinLoadBalancerTest {
  private static final List<ServiceInstance> THREE = List.of(instance(1), instance(2), instance(3));

  static ServiceInstance instance(int n) {
    return ServiceInstance.newBuilder().serviceName("svc").host("127.0.0." + n).port(8000 + n).build();
  }

  @Test
  void fairUnderConcurrency() throws Exception {
    LoadBalancer lb = LoadBalancer.roundRobin();
    Map<ServiceInstance, LongAdder> counts = new ConcurrentHashMap<>();
    THREE.forEach(i -> counts.put(i, new LongAdder()));
    int threads = 8;
    int picks = 10_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          start.await();
          for (int k = 0; k < picks; k++) {
            counts.get(lb.choose("svc", THREE, Set.of())).increment();
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    double expected = threads * picks / 3.0;
    long total = 0;
    for (ServiceInstance i : THREE) {
      long c = counts.get(i).sum();
      total += c;
      assertTrue(Math.abs(c - expected) <= 8, () -> i + " got " + c + ", expected " + expected + " ± 8");
    }
    assertEquals(threads * picks, total);
  }

  @Test
  void honoursExclusionWhileAnotherIsLeft() {
    LoadBalancer lb = LoadBalancer.roundRobin();
    for (int k = 0; k < 100; k++) {
      ServiceInstance chosen = lb.choose("svc", THREE, Set.of(instance(1), instance(2)));
      assertEquals(instance(3), chosen);
    }
    Map<ServiceInstance, Integer> seen = new HashMap<>();
    for (int k = 0; k < 100; k++) {
      seen.merge(lb.choose("svc", THREE, Set.of(instance(1))), 1, Integer::sum);
    }
    assertEquals(Set.of(instance(2), instance(3)), seen.keySet());
  }

  /**
   * Every call fails over: its first attempt goes to the round-robin position, its retry elsewhere.
   * First attempts must still alternate; with one shared counter and two instances they all went to
   * the same instance (the hanging one, in the black-hole scenario of issue 14).
   */
  @Test
  void retriesDoNotSkewWhereFirstAttemptsGo() {
    LoadBalancer lb = LoadBalancer.roundRobin();
    List<ServiceInstance> two = List.of(instance(1), instance(2));
    Map<ServiceInstance, Integer> firsts = new HashMap<>();
    for (int call = 0; call < 10; call++) {
      ServiceInstance first = lb.choose("svc", two, Set.of());
      firsts.merge(first, 1, Integer::sum);
      ServiceInstance retry = lb.choose("svc", two, Set.of(first));
      assertTrue(retry != first, "a retry goes elsewhere");
    }
    assertEquals(Map.of(instance(1), 5, instance(2), 5), firsts);
  }

  @Test
  void allExcludedStillPicksOne() {
    LoadBalancer lb = LoadBalancer.roundRobin();
    ServiceInstance only = instance(1);
    assertEquals(only, lb.choose("svc", List.of(only), Set.of(only)));
  }

  @Test
  void emptyCandidatesThrowNoInstance() {
    NoInstanceAvailableException e = assertThrows(NoInstanceAvailableException.class,
        () -> LoadBalancer.roundRobin().choose("orders", List.of(), Set.of()));
    assertEquals("orders", e.serviceName());
    assertEquals(0, e.knownCount());
    assertTrue(e.getMessage().contains("orders"));
  }

  @Test
  void countersArePerService() {
    LoadBalancer lb = LoadBalancer.roundRobin();
    assertEquals(THREE.get(0), lb.choose("a", THREE, Set.of()));
    assertEquals(THREE.get(0), lb.choose("b", THREE, Set.of()));
    assertEquals(THREE.get(1), lb.choose("a", THREE, Set.of()));
  }
}
