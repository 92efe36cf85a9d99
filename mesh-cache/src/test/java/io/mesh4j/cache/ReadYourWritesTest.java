package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two caches of one namespace on two connections, as two JVMs would be: once A's set has returned,
 * B's getFresh returns the new value every time, although B's L1 held the old one (issue 17, item
 * 11); get gives no such promise until the invalidation arrives.
 */
class ReadYourWritesTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void getFreshSeesAnotherJvmsCompletedWriteAtOnce() {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("ryw");
    try (RedisClusterConnection ca = TestSupport.connection(cluster);
        RedisClusterConnection cb = TestSupport.connection(cluster);
        TwoLevelCache<String> a = TwoLevelCache.builder(DistributedCache.builder(ca, String.class).namespace(ns)
            .build()).recordStats().build();
        TwoLevelCache<String> b = TwoLevelCache.builder(DistributedCache.builder(cb, String.class).namespace(ns)
            .build()).recordStats().build()) {
      TestSupport.await("both L1s active", WAIT, () -> a.isL1Active() && b.isL1Active());
      a.set("k", "old");
      TestSupport.await("A's first write reached B", WAIT, () -> b.stats().invalidationsReceived() >= 1);
      assertEquals("old", b.get("k"));
      long hits = b.stats().l1Hits();
      assertEquals("old", b.get("k"));
      assertEquals(hits + 1, b.stats().l1Hits(), "B's L1 holds the old value");
      for (int i = 0; i < 50; i++) {
        String value = "v" + i;
        a.set("k", value);
        assertEquals(value, b.getFresh("k"), "B reads A's completed write, round " + i);
      }
      assertThrows(NullPointerException.class, () -> b.getFresh(null));
    }
  }
}
