package io.mesh4j.cache;

import static io.mesh4j.cache.TestSupport.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;

/** Two TwoLevelCaches of one namespace (two JVMs, separate connections) on the shared cluster. */
class TwoLevelCacheTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static RedisCluster cluster;
  private static RedisClusterClient raw;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
    raw = TestSupport.raw(cluster);
  }

  @AfterAll
  static void stop() {
    raw.close();
  }

  private static TwoLevelCache<String> twoLevel(String ns) {
    return twoLevel(ns, new ArrayList<>(), Duration.ofSeconds(1));
  }

  private static TwoLevelCache<String> twoLevel(String ns, List<CacheEvent> events, Duration check) {
    TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .sequenceCheckInterval(check).listener(TestSupport.recording(events)).recordStats().build();
    TestSupport.await("L1 active", WAIT, c::isL1Active);
    return c;
  }

  @Test
  void withoutRecordStats_hitsAreServedButNotCounted_missesStillAre() {
    String ns = TestSupport.ns("nostats");
    try (TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build()).build()) {
      TestSupport.await("L1 active", WAIT, c::isL1Active);
      c.l2().set("k", "v");
      assertEquals("v", c.get("k"));
      assertEquals("v", c.get("k"));
      assertEquals("v", c.getOrLoad("k", () -> "loaded"));
      TwoLevelCacheStats s = c.stats();
      assertFalse(s.l1HitsRecorded());
      assertEquals(0, s.l1Hits(), "not counted unless recordStats()");
      assertEquals(1, s.l1Misses(), "the first read; the two after it came from L1");
      assertEquals(1, s.l2().hits(), "L2 was read once");
    }
  }

  @Test
  void readsFillL1AndHitIt() {
    String ns = TestSupport.ns("l1");
    try (TwoLevelCache<String> a = twoLevel(ns)) {
      assertNull(a.get("k"));
      a.l2().set("k", "v");
      assertEquals("v", a.get("k"));
      assertEquals("v", a.get("k"));
      assertEquals("v", a.get("k"));
      TwoLevelCacheStats s = a.stats();
      assertTrue(s.l1HitsRecorded());
      assertEquals(2, s.l1Hits());
      assertEquals(2, s.l1Misses());
      assertEquals(1, s.l2().hits(), "L2 was read once");
      assertEquals(1, s.l1Size());

      AtomicInteger loads = new AtomicInteger();
      assertEquals("loaded", a.getOrLoad("g", () -> "loaded" + (loads.incrementAndGet() > 1 ? "again" : "")));
      assertEquals("loaded", a.getOrLoad("g", () -> "loaded" + (loads.incrementAndGet() > 1 ? "again" : "")));
      assertEquals(1, loads.get());

      Map<String, String> multi = a.getMulti(List.of("k", "g", "absent"));
      assertEquals(Map.of("k", "v", "g", "loaded"), multi);
    }
  }

  @Test
  void afterASetOnOneTheOtherNeverServesTheOldValueOnceTheInvalidationArrived() {
    String ns = TestSupport.ns("coherent");
    try (TwoLevelCache<String> a = twoLevel(ns); TwoLevelCache<String> b = twoLevel(ns)) {
      a.set("k", "v0");
      for (int i = 1; i <= 30; i++) {
        assertEquals("v" + (i - 1), b.get("k"));
        assertEquals("v" + (i - 1), b.get("k"), "served by B's L1");
        long before = b.stats().invalidationsReceived();
        a.set("k", "v" + i);
        TestSupport.await("invalidation at B", WAIT, () -> b.stats().invalidationsReceived() > before);
        assertEquals("v" + i, b.get("k"), "round " + i + ": B must not serve the old value");
      }
      assertTrue(b.stats().l1Hits() >= 30);
      assertEquals(0, b.stats().gapsDetected());
    }
  }

  @Test
  void deleteAndPatternAndNamespaceInvalidationReachOtherL1s() {
    String ns = TestSupport.ns("inv2");
    try (TwoLevelCache<String> a = twoLevel(ns); TwoLevelCache<String> b = twoLevel(ns)) {
      a.set("user:1", "u1");
      a.set("user:2", "u2");
      a.set("order:1", "o1");
      // B fills L1 only after A's own set messages reached it (a later one would evict the fill).
      TestSupport.await("sets at B", WAIT, () -> b.stats().invalidationsReceived() >= 3);
      assertEquals("u1", b.get("user:1"));
      assertEquals("u2", b.get("user:2"));
      assertEquals("o1", b.get("order:1"));
      assertEquals(3, b.stats().l1Size());

      long seen = b.stats().invalidationsReceived();
      assertTrue(a.delete("user:1"));
      TestSupport.await("delete at B", WAIT, () -> b.stats().invalidationsReceived() > seen);
      assertNull(b.get("user:1"));

      long seen2 = b.stats().invalidationsReceived();
      assertEquals(1, a.invalidate("user:*"));
      TestSupport.await("pattern at B", WAIT, () -> b.stats().invalidationsReceived() > seen2);
      assertNull(b.get("user:2"));
      assertEquals("o1", b.get("order:1"), "non-matching keys stay");

      long seen3 = b.stats().invalidationsReceived();
      assertEquals(1, a.invalidateAll());
      TestSupport.await("namespace invalidation at B", WAIT, () -> b.stats().invalidationsReceived() > seen3);
      assertNull(b.get("order:1"), "B's L1 cleared and its L2 on the new version at once");
    }
  }

  @Test
  void aSkippedSequenceNumberClearsL1() {
    String ns = TestSupport.ns("gap");
    List<CacheEvent> events = new ArrayList<>();
    try (TwoLevelCache<String> a = twoLevel(ns);
        TwoLevelCache<String> b = twoLevel(ns, events, Duration.ofMinutes(1))) {
      a.set("other", "x");
      TestSupport.await("set at B", WAIT, () -> b.stats().invalidationsReceived() >= 1);
      assertEquals("x", b.get("other"));
      assertEquals(1, b.stats().l1Size());
      raw.incr(bytes("mesh4j:inv:{" + ns + "}:seq")); // a message that was issued and lost
      long seen = b.stats().invalidationsReceived();
      a.set("k", "v");
      TestSupport.await("next message at B", WAIT, () -> b.stats().invalidationsReceived() > seen);
      assertEquals(1, b.stats().gapsDetected());
      assertEquals(0, b.stats().l1Size(), "everything L1 held may have been invalidated by the lost message");
      assertEquals(1, TestSupport.count(events, CacheEvent.Kind.INVALIDATION_GAP));
      assertTrue(b.isL1Active(), "the channel itself works: L1 stays in use");
    }
  }

  @Test
  void aChannelThatLooksAliveButDeliversNothingIsDetectedAndResubscribed() {
    String ns = TestSupport.ns("silent");
    List<CacheEvent> events = new ArrayList<>();
    try (TwoLevelCache<String> b = twoLevel(ns, events, Duration.ofMillis(100))) {
      b.l2().set("k", "v");
      assertEquals("v", b.get("k"));
      assertEquals(1, b.stats().l1Size());
      // Redis issued a number that never reaches B: as if the message were lost on a live socket.
      raw.incr(bytes("mesh4j:inv:{" + ns + "}:seq"));
      TestSupport.await("L1 bypassed", WAIT, () -> TestSupport.count(events, CacheEvent.Kind.L1_BYPASSED) == 1);
      TestSupport.await("resubscribed", WAIT, () -> b.isL1Active() && b.stats().subscriptions() == 2);
      assertEquals(1, b.stats().gapsDetected());
      assertEquals(2, TestSupport.count(events, CacheEvent.Kind.L1_RESUMED));
      long misses = b.stats().l1Misses();
      assertEquals("v", b.get("k"));
      assertEquals(misses + 1, b.stats().l1Misses(), "L1 was cleared");
      assertEquals("v", b.get("k"));
      assertEquals(misses + 1, b.stats().l1Misses(), "and is used again");
    }
  }

  @Test
  void anL1EntryNeverOutlivesItsL2Ttl() {
    String ns = TestSupport.ns("ttl");
    TestSupport.MutableClock clock = new TestSupport.MutableClock(System.currentTimeMillis());
    AtomicLong nanos = new AtomicLong();
    try (TwoLevelCache<String> a = twoLevel(ns);
        TwoLevelCache<String> b = TwoLevelCache.builder(TestSupport.strings(cluster, ns)
            .clock(clock).ticker(nanos::get).build()).l1Ttl(Duration.ofMinutes(5)).recordStats().build()) {
      TestSupport.await("L1 active", WAIT, b::isL1Active);
      a.set("short", "s", Duration.ofSeconds(30));
      TestSupport.await("set at B", WAIT, () -> b.stats().invalidationsReceived() >= 1);
      assertEquals("s", b.get("short"));
      assertEquals("s", b.get("short"));
      long hits = b.stats().l1Hits();
      assertEquals(1, hits);
      // 31 s later by B's clocks: the L2 entry's TTL has run out, so L1 must not answer.
      clock.advance(Duration.ofSeconds(31));
      nanos.addAndGet(Duration.ofSeconds(31).toNanos());
      b.get("short");
      assertEquals(hits, b.stats().l1Hits(), "the L1 entry expired with its L2 TTL, not the 5 min L1 TTL");
    }
  }

  /**
   * The L1 has no Caffeine expiry (issue 18): each entry carries its own deadline. On an injected
   * ticker, the L1 TTL still ends hits, and entries nobody reads again are swept out of L1 by the
   * checker, not kept until the size bound evicts them.
   */
  @Test
  void theL1TtlEndsHitsOnTheTickerAndExpiredEntriesAreSwept() {
    String ns = TestSupport.ns("sweep");
    AtomicLong nanos = new AtomicLong();
    try (TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns)
        .ticker(nanos::get).build()).l1Ttl(Duration.ofSeconds(10))
        .sequenceCheckInterval(Duration.ofMillis(100)).recordStats().build()) {
      TestSupport.await("L1 active", WAIT, c::isL1Active);
      c.l2().set("a", "1");
      c.l2().set("b", "2");
      assertEquals("1", c.get("a"));
      assertEquals("2", c.get("b"));
      assertEquals(2, c.stats().l1Size());
      nanos.addAndGet(Duration.ofSeconds(9).toNanos());
      long hits = c.stats().l1Hits();
      assertEquals("1", c.get("a"));
      assertEquals(hits + 1, c.stats().l1Hits(), "9 s into a 10 s L1 TTL: still a hit");
      nanos.addAndGet(Duration.ofSeconds(2).toNanos());
      TestSupport.await("expired entries swept", WAIT, () -> c.stats().l1Size() == 0);
      long misses = c.stats().l1Misses();
      assertEquals("1", c.get("a"));
      assertEquals(misses + 1, c.stats().l1Misses(), "past the L1 TTL: read from L2 again");
      assertEquals(hits + 1, c.stats().l1Hits());
    }
  }

  /**
   * With the default (system) ticker the L1 runs on a coarse millisecond clock (issue 18): its TTL
   * still ends L1 hits in real time. The L2 value lives on, so the read after the TTL is an L1 miss.
   */
  @Test
  void theL1TtlEndsHitsInRealTimeWithTheDefaultTicker() {
    String ns = TestSupport.ns("l1ttl");
    try (TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .l1Ttl(Duration.ofMillis(300)).recordStats().build()) {
      TestSupport.await("L1 active", WAIT, c::isL1Active);
      c.set("k", "v");
      TestSupport.await("own invalidation applied", WAIT, () -> c.stats().invalidationsReceived() >= 1);
      assertEquals("v", c.get("k"));
      long start = System.nanoTime();
      assertEquals("v", c.get("k"));
      long hits = c.stats().l1Hits();
      assertTrue(hits >= 1, "an L1 hit before the TTL");
      org.awaitility.Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(20)).until(() -> {
        long before = c.stats().l1Misses();
        assertEquals("v", c.get("k"));
        return c.stats().l1Misses() > before;
      });
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMillis >= 250, "not before its 300 ms TTL (minus the clock's coarseness): " + tookMillis);
    }
  }

  /** Before the first subscription: see {@code RedisAclUserTest.l1IsBypassedUntilTheFirstSubscription}. */
  @Test
  void l1IsBypassedAfterClose() {
    String ns = TestSupport.ns("close");
    TwoLevelCache<String> a = twoLevel(ns);
    a.set("k", "v");
    // Its own invalidation comes back to it too; read once it has.
    TestSupport.await("own invalidation applied", WAIT, () -> a.stats().invalidationsReceived() >= 1);
    assertEquals("v", a.get("k"));
    assertEquals("v", a.get("k"));
    assertEquals(1, a.stats().l1Hits());
    a.close();
    assertFalse(a.isL1Active());
    assertEquals(0, a.stats().l1Size(), "L1 dropped");
    a.close(); // idempotent
  }

  /**
   * More failed publishes than the retry queue holds (1,024): the ones past it are dropped, and
   * one "clear L1" message stands for them once Redis accepts publishes again. B held the key
   * whose invalidation was dropped; it must not keep serving it for its 5-minute L1 TTL.
   */
  @Test
  void publishQueueOverflowClearsEveryOtherL1() {
    String ns = TestSupport.ns("overflow");
    byte[] sequenceKey = bytes("mesh4j:inv:{" + ns + "}:seq");
    // b's sequence reads fail too while the key is broken; past two check intervals of that, b
    // rightly drops its L1. A 5 s interval keeps b's L1 through 1,024 writes on a loaded machine.
    try (TwoLevelCache<String> a = twoLevel(ns);
        TwoLevelCache<String> b = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
            .l1Ttl(Duration.ofMinutes(5)).sequenceCheckInterval(Duration.ofSeconds(5)).recordStats().build()) {
      TestSupport.await("L1 active", WAIT, b::isL1Active);
      a.set("other", "x"); // creates the sequence key
      TestSupport.await("b received a's message", WAIT, () -> b.stats().invalidationsReceived() == 1);
      a.l2().set("k", "v1");
      assertEquals("v1", b.get("k"));
      assertEquals("v1", b.get("k"));
      assertEquals(1, b.stats().l1Hits(), "k is in b's L1");
      byte[] sequence = raw.get(sequenceKey);
      raw.set(sequenceKey, bytes("not-a-number")); // every publish fails from here on
      for (int i = 0; i < 1024; i++) {
        assertTrue(a.set("filler" + i, "f"), "the L2 write lands");
      }
      a.set("k", "v2"); // the 1,025th failed publish: past the queue
      assertEquals("v2", a.l2().get("k"));
      assertEquals("v1", b.get("k"), "b did not hear of the write");
      raw.set(sequenceKey, sequence);
      TestSupport.await("b's L1 cleared by the overflow message", WAIT, () -> "v2".equals(b.get("k")));
      TestSupport.await("the queued invalidations published too", WAIT,
          () -> b.stats().invalidationsReceived() >= 1 + 1 + 1024);
      assertEquals(0, b.stats().gapsDetected(), "no number lost: the overflow was told, not guessed");
    }
  }

  @Test
  void anInvalidationWhosePublishFailedIsPublishedOnceRedisAcceptsItAgain() {
    String ns = TestSupport.ns("republish");
    byte[] sequenceKey = bytes("mesh4j:inv:{" + ns + "}:seq");
    try (TwoLevelCache<String> a = twoLevel(ns);
        TwoLevelCache<String> b = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
            .l1Ttl(Duration.ofMinutes(5)).sequenceCheckInterval(Duration.ofMillis(200)).recordStats().build()) {
      TestSupport.await("L1 active", WAIT, b::isL1Active);
      a.set("other", "x"); // creates the sequence key
      TestSupport.await("b received a's message", WAIT, () -> b.stats().invalidationsReceived() == 1);
      a.l2().set("k", "v1"); // no message in flight that could evict it from b's L1
      assertEquals("v1", b.get("k")); // now in b's L1 for 5 minutes
      byte[] sequence = raw.get(sequenceKey);
      // The publish script's INCR fails on a non-number: the write lands in L2, its message does not.
      raw.set(sequenceKey, bytes("not-a-number"));
      a.set("k", "v2");
      assertEquals("v2", a.l2().get("k"));
      assertEquals("v1", b.get("k"), "b did not hear of the write");
      raw.set(sequenceKey, sequence); // Redis accepts publishes again, with no gap in the numbers
      TestSupport.await("the queued invalidation reached b", WAIT, () -> "v2".equals(b.get("k")));
    }
  }
}
