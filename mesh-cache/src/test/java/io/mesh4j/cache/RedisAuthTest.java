package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A cluster whose servers ask for the default user's password ({@code requirepass}): the cache,
 * its invalidation subscription and a second cache all authenticate; a missing or wrong password is
 * refused and never named.
 */
class RedisAuthTest {
  private static final String PASSWORD = "pw-" + TestSupport.ns("auth");
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.privateInstance(
      RedisCluster.builder().requirePass(PASSWORD));
  private static final Duration WAIT = Duration.ofSeconds(20);

  static RedisClusterConnection.Builder connection(RedisCluster cluster) {
    return RedisClusterConnection.builder().seedNodes(cluster.seedNodes());
  }

  static TwoLevelCache<String> twoLevel(RedisClusterConnection connection, String ns) {
    TwoLevelCache<String> c = TwoLevelCache.builder(DistributedCache.builder(connection, String.class)
        .namespace(ns).build()).recordStats().build();
    TestSupport.await("L1 active (the subscription authenticated)", WAIT, c::isL1Active);
    return c;
  }

  /** Two caches that authenticate: data, locks and invalidations all go through. */
  static void dataAndInvalidationsFlow(RedisClusterConnection first, RedisClusterConnection second) {
    String ns = TestSupport.ns("auth");
    try (TwoLevelCache<String> a = twoLevel(first, ns); TwoLevelCache<String> b = twoLevel(second, ns)) {
      assertTrue(a.set("k", "v1"));
      TestSupport.await("A's set reached B", WAIT, () -> b.stats().invalidationsReceived() >= 1);
      assertEquals("v1", b.get("k"));
      assertEquals("v1", b.get("k"));
      assertEquals(1, b.stats().l1Hits(), "B's L1 in use");
      assertTrue(a.set("k", "v2"));
      TestSupport.await("A's second set reached B", WAIT, () -> b.stats().invalidationsReceived() >= 2);
      assertEquals("v2", b.get("k"));
      assertEquals("loaded", b.getOrLoad("g", () -> "loaded"), "the stampede lock works authenticated");
      assertEquals("loaded", a.l2().get("g"));
      assertEquals(0, a.stats().l2().redisErrors() + b.stats().l2().redisErrors());
    }
  }

  /** A strict cache over {@code connection} is refused, and says so without the password. */
  static void refused(RedisClusterConnection connection, String secret) {
    try (DistributedCache<String> cache = DistributedCache.builder(connection, String.class)
        .namespace(TestSupport.ns("refused")).strict(true).build()) {
      long start = System.nanoTime();
      CacheException e = assertThrows(CacheException.class, () -> cache.get("k"));
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      for (String m : messages(e)) {
        assertFalse(m.contains(secret), "the password in: " + m);
      }
      // The cause in words, with Redis's own refusal, the seeds, and no Jedis class name.
      assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
      assertTrue(e.getMessage().contains("NOAUTH") || e.getMessage().contains("WRONGPASS"), e.getMessage());
      assertTrue(e.getMessage().contains("never connected"), e.getMessage());
      String seed = connection.seedNodes().get(0).getHostString() + ":" + connection.seedNodes().get(0).getPort();
      assertTrue(e.getMessage().contains(seed), e.getMessage());
      assertFalse(e.getMessage().contains("Jedis"), e.getMessage());
      assertTrue(tookMillis < 1_000, "a refused password fails at once, took " + tookMillis + " ms");
    }
    // Lenient mode: a miss and a dropped write, no exception.
    try (DistributedCache<String> lenient = DistributedCache.builder(connection, String.class)
        .namespace(TestSupport.ns("refused")).build()) {
      assertEquals(null, lenient.get("k"));
      assertFalse(lenient.set("k", "v"));
    }
  }

  /** The messages of {@code e}, its causes and their suppressed exceptions. */
  static List<String> messages(Throwable e) {
    List<String> seen = new ArrayList<>();
    collect(e, seen, 0);
    return seen;
  }

  private static void collect(Throwable t, List<String> seen, int depth) {
    if (t == null || depth > 10) {
      return;
    }
    seen.add(t.getClass().getSimpleName() + ": " + t.getMessage());
    for (Throwable s : t.getSuppressed()) {
      collect(s, seen, depth + 1);
    }
    collect(t.getCause(), seen, depth + 1);
  }

  @Test
  void withThePasswordEverythingWorksIncludingTheSubscription() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection a = connection(cluster).password(PASSWORD).build();
        RedisClusterConnection b = connection(cluster).password(PASSWORD).build()) {
      dataAndInvalidationsFlow(a, b);
    }
  }

  @Test
  void noPasswordOrAWrongOneIsRefusedWithoutNamingIt() {
    RedisCluster cluster = REDIS.cluster();
    try (RedisClusterConnection none = connection(cluster).build()) {
      refused(none, PASSWORD);
    }
    String wrong = "wrong-" + PASSWORD;
    try (RedisClusterConnection bad = connection(cluster).password(wrong).build()) {
      refused(bad, wrong);
    }
  }
}
