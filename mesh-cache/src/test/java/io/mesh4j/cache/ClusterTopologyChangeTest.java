package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisResharding;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis Cluster masters added and removed under the cache (issue 15, parts 1 and 5), each test on
 * a private cluster of its own: pattern invalidation (SCAN on every master) reaches a master added
 * after the cache was built, and get, set, getMulti and getOrLoad in strict mode (so a failure
 * reaches the caller instead of being counted) neither fail nor answer a wrong value while a
 * master joins, slots move to it, and a master leaves. A TwoLevelCache's invalidation channel
 * follows its slot to an added master and away from a removed one: both caches subscribe again
 * there, and neither reads a stale value.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterTopologyChangeTest {
  private static final Duration TOPOLOGY = Duration.ofSeconds(90);
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final int KEYS = 2000;
  private static final int SLOTS_TO_MOVE = 300;

  @Test
  void patternInvalidationReachesAMasterAddedAfterTheCacheWasBuilt() {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      String ns = TestSupport.ns("topo-l2");
      String ns2 = TestSupport.ns("topo-l1");
      try (DistributedCache<String> cache = TestSupport.strings(cluster, ns).strict(true).build();
          TwoLevelCache<String> twoLevel = TwoLevelCache.builder(TestSupport.strings(cluster, ns2).build()).build()) {
        TestSupport.await("L1 active", WAIT, twoLevel::isL1Active);
        // Both caches have run SCAN invalidation on the three masters before the fourth exists.
        assertEquals(0, cache.invalidate("none*"));
        assertEquals(0, twoLevel.invalidate("none*"));
        InetSocketAddress added = cluster.addMaster(TOPOLOGY);
        RedisResharding.of(cluster).moveSlots(cluster.masterAddresses().get(0), added, SLOTS_TO_MOVE);
        for (int i = 0; i < KEYS; i++) {
          cache.set("k" + i, "v" + i);
          twoLevel.set("k" + i, "v" + i);
          assertEquals("v" + i, twoLevel.get("k" + i)); // now in L1 too
        }
        assertTrue(TestSupport.keysOn(cluster, added, ns + ":") > 10, "keys of " + ns + " live on the new master");
        assertTrue(TestSupport.keysOn(cluster, added, ns2 + ":") > 10, "keys of " + ns2 + " live on the new master");

        assertEquals(KEYS, cache.invalidate("k*"), "every key deleted, the new master's too");
        assertEquals(KEYS, twoLevel.invalidate("k*"), "every key deleted, the new master's too");

        assertEquals(0, TestSupport.keysOn(cluster, added, ns + ":"), "none left on the new master");
        assertEquals(0, TestSupport.keysOn(cluster, added, ns2 + ":"), "none left on the new master");
        for (int i = 0; i < KEYS; i++) {
          assertNull(cache.get("k" + i), "k" + i);
          assertNull(twoLevel.get("k" + i), "k" + i);
        }
      }
    }
  }

  @Test
  void cacheCallsKeepWorkingWhileAMasterJoinsTakesSlotsAndAnotherLeaves() throws Exception {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      String ns = TestSupport.ns("topo-traffic");
      try (DistributedCache<String> cache = TestSupport.strings(cluster, ns).strict(true).build()) {
        for (int i = 0; i < KEYS; i++) {
          cache.set("k" + i, "v" + i);
        }
        Traffic traffic = new Traffic(cache);
        InetSocketAddress added;
        InetSocketAddress removed = cluster.masterAddresses().get(1);
        try {
          traffic.awaitRunning();
          long before = traffic.ops.get();
          added = cluster.addMaster(TOPOLOGY);
          traffic.awaitMore("after the master joined");
          InetSocketAddress from = cluster.masterAddresses().get(0);
          traffic.during("slots moving to the new master",
              () -> RedisResharding.of(cluster).moveSlots(from, added, SLOTS_TO_MOVE));
          traffic.during("a master leaving", () -> cluster.removeMaster(removed, TOPOLOGY));
          traffic.awaitMore("after a master left");
          assertTrue(traffic.ops.get() - before > 1000, "traffic ran: " + (traffic.ops.get() - before) + " calls");
        } finally {
          traffic.stop();
        }
        assertTrue(traffic.failures.isEmpty(), traffic.failures.size() + " calls failed, first: "
            + (traffic.failures.isEmpty() ? "" : traffic.failures.get(0)));
        assertTrue(traffic.wrong.isEmpty(), traffic.wrong.size() + " wrong values, first: "
            + (traffic.wrong.isEmpty() ? "" : traffic.wrong.get(0)));
        assertTrue(cluster.masterAddresses().contains(added));
        assertTrue(!cluster.masterAddresses().contains(removed));
        assertTrue(TestSupport.keysOn(cluster, added, ns + ":") > 10, "keys live on the new master");
        for (int i = 0; i < KEYS; i++) {
          assertEquals("v" + i, cache.get("k" + i), "k" + i);
        }
        // SCAN invalidation after the changes: the new master included, the removed one not asked.
        assertEquals(KEYS, cache.invalidate("k*"));
        assertNull(cache.get("k0"));
      }
    }
  }

  @Test
  void crossJvmInvalidationFollowsItsChannelToAnAddedMasterAndAwayFromARemovedOne() {
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      String ns = TestSupport.ns("topo-channel");
      // Two caches on one namespace, each with its own connection: two JVMs as far as Redis knows.
      try (TwoLevelCache<String> a = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build()).build();
          TwoLevelCache<String> b = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build()).build()) {
        TestSupport.await("L1 active", WAIT, () -> a.isL1Active() && b.isL1Active());
        String channel = "mesh4j:inv:{" + ns + "}";
        int slot = ((Long) cluster.command(cluster.masterAddresses().get(0), "CLUSTER", "KEYSLOT", channel)).intValue();
        awaitSubscribers(cluster, channel, slot);
        a.set("k", "v1");
        assertEquals("v1", b.get("k"));

        InetSocketAddress added = cluster.addMaster(TOPOLOGY);
        RedisResharding.of(cluster).moveSlot(slot, cluster.masterOfSlot(slot), added);
        assertEquals(added, cluster.masterOfSlot(slot));
        awaitSubscribers(cluster, channel, slot);
        a.set("k", "v2");
        TestSupport.await("b sees v2 after the channel moved to the new master", WAIT, () -> "v2".equals(b.get("k")));
        TestSupport.await("b's L1 active again", WAIT, b::isL1Active);
        assertEquals("v2", b.get("k"));

        cluster.removeMaster(added, TOPOLOGY);
        awaitSubscribers(cluster, channel, slot);
        a.set("k", "v3");
        TestSupport.await("b sees v3 after the channel's master left", WAIT, () -> "v3".equals(b.get("k")));
        TestSupport.await("b's L1 active again", WAIT, b::isL1Active);
        b.set("k", "v4");
        TestSupport.await("a sees v4", WAIT, () -> "v4".equals(a.get("k")));
      }
    }
  }

  /** Waits until both caches are subscribed to {@code channel} on the master that serves its slot now. */
  private static void awaitSubscribers(RedisCluster cluster, String channel, int slot) {
    String what = "two subscribers to " + channel + " on the master of slot " + slot;
    TestSupport.await(what, Duration.ofSeconds(30), () -> {
      Object reply = cluster.command(cluster.masterOfSlot(slot), "PUBSUB", "SHARDNUMSUB", channel);
      return reply instanceof List && Long.valueOf(2).equals(((List<?>) reply).get(1));
    });
  }

  /** Four threads of get, set + read-back, getMulti and getOrLoad; strict mode, so failures reach them. */
  private static final class Traffic {
    final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
    final List<String> wrong = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong ops = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    Traffic(DistributedCache<String> cache) {
      for (int t = 0; t < 4; t++) {
        int kind = t;
        Thread thread = new Thread(() -> run(cache, kind), "topology-traffic-" + t);
        thread.start();
        threads.add(thread);
      }
    }

    private void run(DistributedCache<String> cache, int kind) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int own = 0;
      while (!stop.get()) {
        int i = random.nextInt(KEYS);
        try {
          switch (kind) {
            case 0 -> check("get k" + i, "v" + i, cache.get("k" + i));
            case 1 -> {
              String key = "w-" + (own++ % 500);
              String value = "x" + random.nextInt();
              cache.set(key, value);
              check("read-back " + key, value, cache.get(key));
            }
            case 2 -> {
              List<String> keys = new ArrayList<>();
              for (int j = 0; j < 20; j++) {
                keys.add("k" + ((i + j * 97) % KEYS));
              }
              Map<String, String> got = cache.getMulti(keys);
              for (String k : keys) {
                check("getMulti " + k, "v" + k.substring(1), got.get(k));
              }
            }
            default -> {
              String key = "l" + i;
              check("getOrLoad " + key, "L" + i, cache.getOrLoad(key, () -> "L" + key.substring(1)));
            }
          }
          ops.incrementAndGet();
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }
    }

    private void check(String what, String expected, String actual) {
      if (!expected.equals(actual)) {
        wrong.add(what + ": expected " + expected + ", was " + actual);
      }
    }

    void awaitRunning() {
      awaitMore("before the topology changes");
    }

    /** Waits until another 200 calls have completed: traffic ran through the change just made. */
    void awaitMore(String when) {
      long before = ops.get();
      TestSupport.await("traffic running " + when, WAIT, () -> ops.get() > before + 200);
    }

    /** Runs {@code change} and asserts that calls completed while it ran. */
    void during(String what, Runnable change) {
      long before = ops.get();
      change.run();
      long during = ops.get() - before;
      assertTrue(during > 100, "traffic ran during " + what + ": " + during + " calls");
    }

    void stop() throws InterruptedException {
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(10_000);
      }
    }
  }
}
