package io.mesh4j.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Tests that break the cluster, on a private one: the invalidation connection killed with CLIENT
 * KILL, then the master of the invalidation channel killed. Ordered: the kill is last, the cluster
 * is not restored.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance();
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static TwoLevelCache<String> twoLevel(RedisCluster cluster, String ns, List<CacheEvent> events) {
    TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .sequenceCheckInterval(Duration.ofMillis(200)).listener(TestSupport.recording(events)).recordStats().build();
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

  /**
   * Kills the master that serves the namespace's invalidation channel (and its sequence key) while
   * A writes and B reads through its L1, and counts what the callers got: misses (a key that
   * exists read as null), dropped writes (set answered false), wrong values (anything A never
   * wrote for that key). Lenient mode turns Redis errors into null/false, so only these counts can
   * tell a failover that lost nothing from one where every operation failed.
   */
  @Test
  @Order(2)
  void killingTheMasterOfTheInvalidationChannelLosesNothingOutsideTheFailoverAndLeavesNoStaleL1()
      throws Exception {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("failover");
    InetSocketAddress victim = cluster.masterOfSlot(JedisClusterCRC16.getSlot("mesh4j:inv:{" + ns + "}"));
    int keys = 300;
    boolean[] onVictim = new boolean[keys];
    try (TwoLevelCache<String> a = twoLevel(cluster, ns, new ArrayList<>());
        TwoLevelCache<String> b = twoLevel(cluster, ns, new ArrayList<>())) {
      AtomicLongArray written = new AtomicLongArray(keys); // the highest version A has tried to write
      for (int i = 0; i < keys; i++) {
        assertTrue(a.set("k" + i, "k" + i + ":0", Duration.ofHours(1)));
        onVictim[i] = cluster.masterOfSlot(JedisClusterCRC16.getSlot(ns + ":0:k" + i)).equals(victim);
      }
      try (RedisClusterClient raw = TestSupport.raw(cluster)) {
        assertTrue(raw.exists(ns + ":0:k0"), "the stored key format this test derives slots from");
      }
      int victimKeys = 0;
      for (boolean v : onVictim) {
        victimKeys += v ? 1 : 0;
      }
      assertTrue(victimKeys > 0 && victimKeys < keys, "keys on the victim and on the others: " + victimKeys);
      // B's L1 holds every key before the kill.
      TestSupport.await("A's sets reached B", WAIT, () -> b.stats().invalidationsReceived() >= keys);
      for (int i = 0; i < keys; i++) {
        assertEquals("k" + i + ":0", b.get("k" + i));
      }
      assertEquals(keys, b.stats().l1Size());

      Tally tally = new Tally();
      AtomicBoolean stop = new AtomicBoolean();
      List<Throwable> thrown = Collections.synchronizedList(new ArrayList<>());
      Thread writer = new Thread(() -> {
        for (int n = 0; !stop.get(); n++) {
          int i = n % keys;
          long version = written.incrementAndGet(i);
          int before = tally.phase.get();
          try {
            boolean stored = a.set("k" + i, "k" + i + ":" + version, Duration.ofHours(1));
            tally.record(before, onVictim[i], true, stored ? Outcome.OK : Outcome.DROPPED);
          } catch (Throwable t) {
            thrown.add(t);
          }
        }
      }, "failover-writer");
      Thread reader = new Thread(() -> {
        for (int n = 0; !stop.get(); n++) {
          int i = (n * 7) % keys;
          int before = tally.phase.get();
          try {
            String v = b.get("k" + i);
            Outcome o = v == null ? Outcome.MISS
                : isOneOf(v, i, written.get(i)) ? Outcome.OK : Outcome.WRONG;
            tally.record(before, onVictim[i], false, o);
            String loaded = b.getOrLoad("load" + (n % 50), () -> "loaded");
            tally.record(before, false, false, "loaded".equals(loaded) ? Outcome.OK : Outcome.WRONG);
          } catch (Throwable t) {
            thrown.add(t);
          }
        }
      }, "failover-reader");
      writer.start();
      reader.start();
      TestSupport.await("traffic before the kill", WAIT, () -> tally.ops(BEFORE, true) >= 200 && tally.ops(BEFORE, false) >= 200);

      tally.phase.set(FAILOVER);
      assertEquals(victim, cluster.killMasterAndAwaitFailover(victim, Duration.ofSeconds(60)));
      // Recovered once both caches' own connections write and read every key again and both L1s
      // are back in use.
      TestSupport.await("writes and reads resume on every slot", WAIT, () -> {
        for (int i = 0; i < keys; i++) {
          if (!a.l2().set("after" + i, "x") || !"x".equals(b.l2().get("after" + i))) {
            return false;
          }
        }
        return true;
      });
      TestSupport.await("both L1s back in use", WAIT, () -> a.isL1Active() && b.isL1Active());
      // And B's own connection reads every traffic key from L2 again (the "after" keys above need not
      // live on the promoted master's slots; a write lost with the killed master is rewritten by the
      // writer within one pass over the keys).
      TestSupport.await("B reads every traffic key from L2 again", WAIT, () -> {
        for (int i = 0; i < keys; i++) {
          if (b.l2().get("k" + i) == null) {
            return false;
          }
        }
        return true;
      });
      tally.phase.set(AFTER);
      TestSupport.await("traffic after the failover", WAIT, () -> tally.ops(AFTER, true) >= 500 && tally.ops(AFTER, false) >= 500);
      stop.set(true);
      writer.join(10_000);
      reader.join(10_000);
      assertFalse(writer.isAlive() || reader.isAlive(), "traffic stopped");

      String report = tally.toString();
      assertEquals(List.of(), thrown, "no exception reached a caller");
      assertEquals(0, tally.bad(BEFORE), "nothing lost before the kill: " + report);
      assertEquals(0, tally.bad(AFTER), "nothing lost once the failover is over: " + report);
      assertEquals(0, tally.count(FAILOVER, Outcome.WRONG), "never a wrong value: " + report);
      // In the window itself, the killed master's keys (a third of them) fail until the promotion,
      // and with Redis's default cluster-require-full-coverage every key does for the moment the
      // cluster is down (CLUSTERDOWN between the FAIL flag and the promotion): counted, and a
      // minority. How big a minority depends on how long the promotion takes on the machine (9% to
      // 13% seen), so the bound is "most", not a tuned share.
      assertTrue(tally.bad(FAILOVER) * 2 < tally.ops(FAILOVER, true) + tally.ops(FAILOVER, false),
          "most operations went through even during the failover: " + report);

      // Coherence across the failover: B serves what L2 holds for every key, and from its L1 again.
      // (A publish that failed in the failover is retried within a check interval.)
      await("B's answers equal L2 for every key").atMost(WAIT).pollInterval(Duration.ofMillis(100))
          .until(() -> staleKeys(a, b, keys), List::isEmpty);
      // From L1 again, and still coherent. Polled: on a loaded machine one sequence read can run
      // past the 250 ms socket timeout, and B then rightly bypasses its L1 until it resubscribes.
      await("B serves every key from its L1 again, coherently").atMost(WAIT).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            long hits = b.stats().l1Hits();
            return staleKeys(a, b, keys).isEmpty() && b.stats().l1Hits() >= hits + keys;
          });

      AtomicInteger loads = new AtomicInteger();
      assertEquals("fresh", b.getOrLoad("new-after-failover", () -> {
        loads.incrementAndGet();
        return "fresh";
      }));
      assertEquals(1, loads.get());
      assertEquals("fresh", a.l2().get("new-after-failover"));
    }
  }

  private static final int BEFORE = 0;
  private static final int FAILOVER = 1;
  private static final int AFTER = 2;

  private enum Outcome { OK, MISS, DROPPED, WRONG }

  /** What the callers got, by phase, by operation and by whether the key is on the killed master. */
  private static final class Tally {
    final AtomicInteger phase = new AtomicInteger(BEFORE);
    /** [phase][write?1:0][onVictim?1:0][outcome] */
    private final AtomicLongArray counts = new AtomicLongArray(3 * 2 * 2 * Outcome.values().length);

    /** An operation that spans a phase change counts in the failover window. */
    void record(int phaseBefore, boolean onVictim, boolean write, Outcome outcome) {
      int p = phase.get() == phaseBefore ? phaseBefore : FAILOVER;
      counts.incrementAndGet(index(p, write, onVictim, outcome));
    }

    private static int index(int phase, boolean write, boolean onVictim, Outcome o) {
      return ((phase * 2 + (write ? 1 : 0)) * 2 + (onVictim ? 1 : 0)) * Outcome.values().length + o.ordinal();
    }

    long ops(int phase, boolean write) {
      long n = 0;
      for (Outcome o : Outcome.values()) {
        n += counts.get(index(phase, write, true, o)) + counts.get(index(phase, write, false, o));
      }
      return n;
    }

    long count(int phase, Outcome o) {
      long n = 0;
      for (int w = 0; w < 2; w++) {
        n += counts.get(index(phase, w == 1, true, o)) + counts.get(index(phase, w == 1, false, o));
      }
      return n;
    }

    long bad(int phase) {
      return count(phase, Outcome.MISS) + count(phase, Outcome.DROPPED) + count(phase, Outcome.WRONG);
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      String[] names = {"before", "failover", "after"};
      for (int p = 0; p < 3; p++) {
        sb.append(names[p]).append(": writes ").append(ops(p, true)).append(", reads ").append(ops(p, false));
        for (Outcome o : List.of(Outcome.MISS, Outcome.DROPPED, Outcome.WRONG)) {
          sb.append(", ").append(o.name().toLowerCase(Locale.ROOT)).append(' ').append(count(p, o))
              .append(" (off the victim ");
          long off = 0;
          for (int w = 0; w < 2; w++) {
            off += counts.get(index(p, w == 1, false, o));
          }
          sb.append(off).append(')');
        }
        sb.append("; ");
      }
      return sb.toString();
    }
  }

  /** True if {@code v} is a value A wrote (or may be writing) for key {@code i}. */
  private static boolean isOneOf(String v, int i, long highestWritten) {
    String prefix = "k" + i + ":";
    if (!v.startsWith(prefix)) {
      return false;
    }
    try {
      long version = Long.parseLong(v.substring(prefix.length()));
      return version >= 0 && version <= highestWritten;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The keys for which B answers something other than what L2 holds now. */
  private static List<String> staleKeys(TwoLevelCache<String> a, TwoLevelCache<String> b, int keys) {
    List<String> stale = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      String truth = a.l2().get("k" + i);
      String seen = b.get("k" + i);
      if (truth == null || !truth.equals(seen)) {
        stale.add("k" + i + ": B " + seen + ", L2 " + truth);
      }
    }
    return stale;
  }
}
