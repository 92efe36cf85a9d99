package io.mesh4j.micrometer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Cache meters over a real 6-node Redis Cluster: hits and misses per level, loads, L1 bypass,
 * single-flight followers, failed invalidation publishes and the publish-retry queue.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CacheMetricsTest {
  @RegisterExtension
  static final RedisClusterExtension REDIS = RedisClusterExtension.shared();

  @Test
  void readsLoadsAndAnL1BypassMoveTheirMeters() {
    RedisCluster cluster = REDIS.cluster();
    String ns = "meters-" + UUID.randomUUID().toString().substring(0, 8);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    MeshMeters events = MeshMeters.create(meters);
    Set<HostAndPort> nodes = cluster.seedNodes().stream()
        .map(a -> new HostAndPort(a.getHostString(), a.getPort())).collect(Collectors.toCollection(HashSet::new));
    TwoLevelCache<String> cache = TwoLevelCache.builder(
            DistributedCache.builder(String.class).seedNodes(cluster.seedNodes()).namespace(ns).build())
        .sequenceCheckInterval(Duration.ofMillis(100)).listener(events).recordStats().build();
    try (RedisClusterClient raw = RedisClusterClient.create(nodes)) {
      MeshCacheMetrics.monitor(meters, cache);
      await("L1 active").atMost(Duration.ofSeconds(10)).until(cache::isL1Active);
      assertEquals(0, gauge(meters, "mesh.cache.l1.bypassed", ns));

      assertEquals("v", cache.getOrLoad("k", Duration.ofMinutes(1), () -> "v"));
      assertEquals("v", cache.get("k"));
      assertEquals(1, count(meters, ns, "l1", "hit"));
      assertEquals(1, count(meters, ns, "l1", "miss"));
      assertEquals(1, meters.find("mesh.cache.loads").tags("cache", ns, "result", "success").functionCounter().count());
      FunctionTimer load = meters.find("mesh.cache.load.duration").tag("cache", ns).functionTimer();
      assertEquals(1, load.count());

      // Redis issues a sequence number that never reaches this cache: it must bypass L1.
      raw.incr(("mesh4j:inv:{" + ns + "}:seq").getBytes(UTF_8));
      await("L1 bypass counted").atMost(Duration.ofSeconds(10)).until(() -> {
        var c = meters.find("mesh.cache.events").tags("cache", ns, "kind", "l1_bypassed").counter();
        return c != null && c.count() == 1;
      });
      await("L1 back").atMost(Duration.ofSeconds(10)).until(cache::isL1Active);
      assertEquals(0, gauge(meters, "mesh.cache.l1.bypassed", ns));
    } finally {
      cache.close();
    }
    assertEquals(1, gauge(meters, "mesh.cache.l1.bypassed", ns), "a closed cache bypasses L1");
  }

  @Test
  void withoutRecordStats_noL1HitMeterIsRegistered_theOthersAre() {
    RedisCluster cluster = REDIS.cluster();
    String ns = "meters-" + UUID.randomUUID().toString().substring(0, 8);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (TwoLevelCache<String> cache = TwoLevelCache.builder(
            DistributedCache.builder(String.class).seedNodes(cluster.seedNodes()).namespace(ns).build())
        .build()) {
      MeshCacheMetrics.monitor(meters, cache);
      await("L1 active").atMost(Duration.ofSeconds(10)).until(cache::isL1Active);
      assertEquals("v", cache.getOrLoad("k", Duration.ofMinutes(1), () -> "v"));
      assertEquals("v", cache.get("k"));
      assertEquals(null, meters.find("mesh.cache.gets").tags("cache", ns, "level", "l1", "result", "hit")
          .functionCounter(), "a hit meter that would always read 0 is not registered");
      assertEquals(1, count(meters, ns, "l1", "miss"));
      assertEquals(false, cache.stats().l1HitsRecorded());
      assertEquals(0, cache.stats().l1Hits());
    }
  }

  @Test
  void sixteenCallersOfOneMissingKey_oneLoads_theOtherFifteenFollowIt() throws Exception {
    String ns = "meters-" + UUID.randomUUID().toString().substring(0, 8);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger loaderRuns = new AtomicInteger();
    // A lock timeout far above the test's waits: no follower gives up on the leader and takes over.
    try (DistributedCache<String> cache = DistributedCache.builder(String.class)
        .seedNodes(REDIS.cluster().seedNodes()).namespace(ns).lockTimeout(Duration.ofSeconds(60)).build()) {
      MeshCacheMetrics.monitor(meters, cache);
      List<Future<String>> callers = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        callers.add(pool.submit(() -> cache.getOrLoad("k", Duration.ofMinutes(1), () -> {
          loaderRuns.incrementAndGet();
          try {
            return release.await(60, TimeUnit.SECONDS) ? "v" : "not released";
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        })));
      }
      // The loader is held, so every caller misses in Redis: one leads, the others follow it.
      await("15 followers").atMost(Duration.ofSeconds(30))
          .until(() -> counter(meters, "mesh.cache.singleflight.followers", ns) == 15);
      release.countDown();
      for (Future<String> f : callers) {
        assertEquals("v", f.get(30, TimeUnit.SECONDS));
      }
      assertEquals(1, loaderRuns.get());
      assertEquals(1, meters.find("mesh.cache.loads").tags("cache", ns, "result", "success").functionCounter().count());
      assertEquals(15, counter(meters, "mesh.cache.singleflight.followers", ns));
      assertEquals(0, counter(meters, "mesh.cache.lock.waits", ns), "the followers waited in this JVM, not on Redis");
      assertEquals(15, cache.stats().singleFlightFollowers());
      assertEquals("v", cache.getOrLoad("k", Duration.ofMinutes(1), () -> "reloaded"));
      assertEquals(15, counter(meters, "mesh.cache.singleflight.followers", ns), "a hit follows nobody");
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void publishesRedisRefusesAreCountedAndQueued_theQueueEmptiesOnceRedisTakesWritesAgain() {
    RedisCluster cluster = REDIS.cluster();
    String ns = "meters-" + UUID.randomUUID().toString().substring(0, 8);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (TwoLevelCache<String> cache = TwoLevelCache.builder(
            DistributedCache.builder(String.class).seedNodes(cluster.seedNodes()).namespace(ns).build())
        .sequenceCheckInterval(Duration.ofMillis(100)).build()) {
      MeshCacheMetrics.monitor(meters, cache);
      await("L1 active").atMost(Duration.ofSeconds(10)).until(cache::isL1Active);
      assertEquals(0, gauge(meters, "mesh.cache.invalidation.retry.queue", ns));
      assertEquals(0, invalidations(meters, ns, "failed"));
      assertEquals(0, counter(meters, "mesh.cache.singleflight.followers", ns), "registered for a two-level cache too");

      // The channel's master refuses writes that need memory: the publish script's INCR fails.
      InetSocketAddress master = cluster.masterOfSlot(JedisClusterCRC16.getSlot("mesh4j:inv:{" + ns + "}"));
      assertEquals("noeviction", ((List<?>) cluster.command(master, "CONFIG", "GET", "maxmemory-policy")).get(1));
      double published;
      assertEquals("OK", cluster.command(master, "CONFIG", "SET", "maxmemory", "1"));
      try {
        published = invalidations(meters, ns, "published");
        cache.delete("a");
        cache.delete("b");
        cache.delete("c");
        assertEquals(3, invalidations(meters, ns, "failed"));
        assertEquals(3, gauge(meters, "mesh.cache.invalidation.retry.queue", ns));
        // The checker retries every 100 ms and keeps failing: nothing leaves the queue.
        await("queue holds through retries").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
            .until(() -> gauge(meters, "mesh.cache.invalidation.retry.queue", ns) == 3);
        assertEquals(published, invalidations(meters, ns, "published"));
      } finally {
        assertEquals("OK", cluster.command(master, "CONFIG", "SET", "maxmemory", "0"));
      }
      await("queue drained").atMost(Duration.ofSeconds(10))
          .until(() -> gauge(meters, "mesh.cache.invalidation.retry.queue", ns) == 0);
      assertEquals(published + 3, invalidations(meters, ns, "published"));
      assertEquals(3, invalidations(meters, ns, "failed"), "counted once, not once per retry");
    }
  }

  private static double counter(SimpleMeterRegistry meters, String name, String ns) {
    return meters.find(name).tag("cache", ns).functionCounter().count();
  }

  private static double invalidations(SimpleMeterRegistry meters, String ns, String direction) {
    return meters.find("mesh.cache.invalidations").tags("cache", ns, "direction", direction).functionCounter().count();
  }

  private static double count(SimpleMeterRegistry meters, String ns, String level, String result) {
    return meters.find("mesh.cache.gets").tags("cache", ns, "level", level, "result", result).functionCounter().count();
  }

  private static double gauge(SimpleMeterRegistry meters, String name, String ns) {
    return meters.find(name).tag("cache", ns).gauge().value();
  }
}
