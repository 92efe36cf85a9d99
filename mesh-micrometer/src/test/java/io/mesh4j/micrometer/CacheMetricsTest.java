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
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;

/** Cache meters over a real 6-node Redis Cluster: hits and misses per level, loads, L1 bypass. */
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

  private static double count(SimpleMeterRegistry meters, String ns, String level, String result) {
    return meters.find("mesh.cache.gets").tags("cache", ns, "level", level, "result", result).functionCounter().count();
  }

  private static double gauge(SimpleMeterRegistry meters, String name, String ns) {
    return meters.find(name).tag("cache", ns).gauge().value();
  }
}
