package io.mesh4j.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * A strict write that throws must not leave the old value in L1: a write that timed out on the wire
 * may have landed, so L1 may not keep a value L2 may no longer hold.
 */
class StrictWriteFailureTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void aStrictSetThatThrowsTakesTheOldValueOutOfL1() {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("strict-write");
    try (RedisClusterConnection connection = TestSupport.connection(cluster);
        TwoLevelCache<String> cache = TwoLevelCache.builder(DistributedCache.builder(connection, String.class)
            .namespace(ns).strict(true).build()).recordStats().build()) {
      TestSupport.await("L1 active", WAIT, cache::isL1Active);
      cache.set("k", "old");
      TestSupport.await("own invalidation received", WAIT, () -> cache.stats().invalidationsReceived() >= 1);
      assertEquals("old", cache.get("k"));
      long hits = cache.stats().l1Hits();
      assertEquals("old", cache.get("k"));
      assertEquals(hits + 1, cache.stats().l1Hits(), "L1 holds the old value");

      // The key's master accepts reads but holds writes: the SET times out, and lands afterwards.
      InetSocketAddress master = cluster.masterOfSlot(JedisClusterCRC16.getSlot(ns + ":0:k"));
      cluster.command(master, "CLIENT", "PAUSE", "2000", "WRITE");
      try {
        assertThrows(CacheException.class, () -> cache.set("k", "new"));
        long before = cache.stats().l1Hits();
        cache.get("k");
        assertEquals(before, cache.stats().l1Hits(), "the old value is no longer served from L1");
      } finally {
        cluster.command(master, "CLIENT", "UNPAUSE");
      }
      // Redis drops the held SET with the connection Jedis closed on its timeout: L2 still holds
      // "old", and L1 (refilled from L2 meanwhile) agrees with it.
      assertEquals(cache.l2().get("k"), cache.get("k"));
    }
  }
}
