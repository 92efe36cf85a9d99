package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code TwoLevelCache.invalidate(pattern)} drops from L1 exactly what Redis's SCAN MATCH deleted
 * from L2, in bounded time, and refuses a bad pattern before deleting or publishing anything.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PatternInvalidationTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String PATHOLOGICAL = "*a*a*a*a*a*a*a*a*a*a*b";

  private static RedisCluster cluster;

  @BeforeAll
  static void start() {
    cluster = REDIS.cluster();
  }

  private static TwoLevelCache<String> twoLevel(String ns) {
    TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .sequenceCheckInterval(Duration.ofSeconds(1)).build();
    TestSupport.await("L1 active", WAIT, c::isL1Active);
    return c;
  }

  /** Puts {@code key} in L2 and, through a read, in {@code c}'s L1. */
  private static void cached(TwoLevelCache<String> c, String key, String value) {
    assertTrue(c.l2().set(key, value));
    assertEquals(value, c.get(key));
    assertEquals(value, c.get(key));
  }

  @Test
  void thePathologicalPatternCostsNeitherTheCallerNorTheSubscriberOfAnotherJvm() {
    String ns = TestSupport.ns("glob-dos");
    String key = "a".repeat(40);
    try (TwoLevelCache<String> a = twoLevel(ns); TwoLevelCache<String> b = twoLevel(ns)) {
      cached(a, key, "v");
      cached(b, key, "v");
      // The regex matcher took 26 s per key here, on the caller's thread and on B's subscriber.
      long received = b.stats().invalidationsReceived();
      assertEquals(0, assertTimeoutPreemptively(Duration.ofSeconds(5), () -> a.invalidate(PATHOLOGICAL)));
      TestSupport.await("B applied the pattern", Duration.ofSeconds(5),
          () -> b.stats().invalidationsReceived() > received);
      assertEquals("v", b.get(key), "the pattern matches nothing, B keeps its entry");
    }
  }

  @Test
  void bracketPatternsRedisAcceptsAreAppliedToL1Too() {
    String ns = TestSupport.ns("glob-class");
    try (TwoLevelCache<String> c = twoLevel(ns)) {
      cached(c, "m1", "v");
      cached(c, "n1", "v");
      // [] is an empty class (matches nothing); [z-a] is [a-z]. Both threw after L2 was deleted.
      assertEquals(0, c.invalidate("[]1"));
      assertEquals("v", c.get("m1"));
      assertEquals(2, c.invalidate("[z-a]1"));
      assertNull(c.get("m1"));
      assertNull(c.get("n1"));
    }
  }

  @Test
  void l1DropsWhatRedisDeletedForByteWiseQuestionMarksAndUnclosedBrackets() {
    String ns = TestSupport.ns("glob-bytes");
    try (TwoLevelCache<String> c = twoLevel(ns)) {
      cached(c, "é", "v");
      cached(c, "ab", "v");
      // An unclosed [ is a class of the rest of the pattern for Redis: a[bc matches ab.
      assertEquals(1, c.invalidate("a[bc"));
      assertNull(c.get("ab"), "L1 kept a value L2 no longer has");
      assertEquals("v", c.get("é"));
      // ?? is two bytes, é is two bytes in UTF-8: Redis deletes it, L1 must drop it too.
      assertEquals(1, c.invalidate("??"));
      assertNull(c.get("é"), "L1 kept a value L2 no longer has");
    }
  }

  @Test
  void aPatternOverTheLimitIsRefusedBeforeAnythingIsDeletedOrPublished() {
    String ns = TestSupport.ns("glob-long");
    try (TwoLevelCache<String> c = twoLevel(ns)) {
      cached(c, "k", "v");
      long published = c.stats().invalidationsPublished();
      String tooLong = "*".repeat(1025);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.invalidate(tooLong));
      assertTrue(e.getMessage().contains("1024"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> c.l2().invalidate(tooLong));
      assertEquals("v", c.l2().get("k"), "nothing was deleted from L2");
      assertEquals("v", c.get("k"));
      assertEquals(published, c.stats().invalidationsPublished(), "nothing was published");
    }
  }
}
