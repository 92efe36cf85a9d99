package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tests that break the cluster, on a private one: the invalidation connection killed with CLIENT
 * KILL, then a master killed. Ordered: the kill is last, the cluster is not restored.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance();
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static TwoLevelCache<String> twoLevel(RedisCluster cluster, String ns, List<CacheEvent> events) {
    TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .sequenceCheckInterval(Duration.ofMillis(200)).listener(TestSupport.recording(events)).build();
    TestSupport.await("L1 active", WAIT, c::isL1Active);
    return c;
  }

  @Test
  @Order(1)
  void killedSubscriptionBypassesAndClearsL1ThenResumes() {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("kill");
    List<CacheEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (TwoLevelCache<String> a = twoLevel(cluster, ns, new ArrayList<>());
        TwoLevelCache<String> b = twoLevel(cluster, ns, events)) {
      a.set("k", "v1");
      TestSupport.await("set at B", WAIT, () -> b.stats().invalidationsReceived() >= 1);
      assertEquals("v1", b.get("k"));
      assertEquals(1, b.stats().l1Size());

      assertTrue(cluster.killClients("TYPE", "pubsub") >= 2, "both subscriptions killed");

      TestSupport.await("B bypassed L1", WAIT, () -> TestSupport.count(events, CacheEvent.Kind.L1_BYPASSED) >= 1);
      TestSupport.await("B resubscribed", WAIT, () -> b.isL1Active() && b.stats().subscriptions() >= 2);
      TestSupport.await("A resubscribed", WAIT, () -> a.isL1Active() && a.stats().subscriptions() >= 2);
      List<CacheEvent.Kind> kinds;
      synchronized (events) {
        kinds = events.stream().map(CacheEvent::kind).toList();
      }
      int bypass = kinds.indexOf(CacheEvent.Kind.L1_BYPASSED);
      assertTrue(kinds.subList(bypass, kinds.size()).contains(CacheEvent.Kind.L1_RESUMED), "resumed after: " + kinds);

      long misses = b.stats().l1Misses();
      assertEquals("v1", b.get("k"));
      assertEquals(misses + 1, b.stats().l1Misses(), "L1 was cleared while the channel was down");

      // The channel works again: an invalidation reaches B's refilled L1.
      long seen = b.stats().invalidationsReceived();
      a.set("k", "v2");
      TestSupport.await("set at B", WAIT, () -> b.stats().invalidationsReceived() > seen);
      assertEquals("v2", b.get("k"));
    }
  }

  @Test
  @Order(2)
  void aKilledMasterFailsOverWithoutAnyExceptionReachingTheCaller() throws Exception {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("failover");
    List<CacheEvent> events = Collections.synchronizedList(new ArrayList<>());
    try (TwoLevelCache<String> two = twoLevel(cluster, ns, events)) {
      DistributedCache<String> cache = two.l2();
      for (int i = 0; i < 300; i++) {
        assertTrue(cache.set("k" + i, "v" + i));
      }
      AtomicBoolean stop = new AtomicBoolean();
      List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger calls = new AtomicInteger();
      Thread traffic = new Thread(() -> {
        int i = 0;
        while (!stop.get()) {
          String key = "k" + (i++ % 300);
          try {
            two.get(key);
            cache.set(key, "w");
            two.getOrLoad("load" + (i % 50), () -> "loaded");
            cache.getMulti(List.of("k1", "k2", "k3", "k100", "k200"));
            calls.incrementAndGet();
          } catch (Throwable t) {
            thrown.add(t);
          }
        }
      });
      traffic.start();
      TestSupport.await("traffic running", WAIT, () -> calls.get() >= 1);
      cluster.killMasterAndAwaitFailover(Duration.ofSeconds(60));
      int afterFailover = calls.get();

      // Operations resume: every key (over all slots, on all masters) can be written and read.
      TestSupport.await("writes resume", WAIT, () -> {
        for (int i = 0; i < 300; i++) {
          if (!cache.set("after" + i, "x") || !"x".equals(cache.get("after" + i))) {
            return false;
          }
        }
        return true;
      });
      TestSupport.await("L1 back in use", WAIT, two::isL1Active);
      TestSupport.await("the traffic thread's calls complete again", WAIT, () -> calls.get() >= afterFailover + 2);
      stop.set(true);
      traffic.join(10_000);
      assertEquals(List.of(), thrown, "no exception reached the caller");
      AtomicInteger loads = new AtomicInteger();
      assertEquals("fresh", two.getOrLoad("new-after-failover", () -> {
        loads.incrementAndGet();
        return "fresh";
      }));
      assertEquals("fresh", cache.get("new-after-failover"));
      assertEquals(300, cache.getMulti(java.util.stream.IntStream.range(0, 300).mapToObj(i -> "after" + i).toList()).size());
    }
  }
}
