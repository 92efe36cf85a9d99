package io.mesh4j.benchmarks;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.testkit.RedisCluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * getMulti of 100 keys spread over all three masters against 100 sequential gets of the same keys
 * through the same cache, 1 thread, 256-byte values; alternated over 3 rounds, medians compared.
 *
 * <p>{@code scripts/bench.sh cache-multiget}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheMultigetBench {
  static final int KEYS = 100;

  @Param("")
  public String seeds;

  private DistributedCache<String> cache;
  private final List<String> keys = new ArrayList<>();

  @Setup(Level.Trial)
  public void setUp() {
    cache = DistributedCache.builder(String.class).seedNodes(seeds.split(",")).namespace("bench-mget").build();
    boolean[] thirds = new boolean[3];
    for (int i = 0; i < KEYS; i++) {
      String key = "item-" + i;
      keys.add(key);
      cache.set(key, "v".repeat(256));
      thirds[JedisClusterCRC16.getSlot("bench-mget:0:" + key) * 3 / 16384] = true;
    }
    if (!(thirds[0] && thirds[1] && thirds[2])) {
      throw new IllegalStateException("keys do not span the slot ranges of all masters");
    }
    if (cache.getMulti(keys).size() != KEYS) {
      throw new IllegalStateException("getMulti did not find every key");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    long misses = cache.stats().misses();
    cache.close();
    if (misses > 0) {
      throw new IllegalStateException(misses + " misses: not measuring hits");
    }
  }

  @Benchmark
  public Map<String, String> multi() {
    return cache.getMulti(keys);
  }

  @Benchmark
  public Map<String, String> sequential() {
    Map<String, String> out = new HashMap<>();
    for (String k : keys) {
      out.put(k, cache.get(k));
    }
    return out;
  }

  /** Starts a private cluster; last line {@code RESULT cache_multiget_speedup=<value> x}. */
  public static void main(String[] args) throws Exception {
    double result;
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      double[] m = CacheBenchSupport.alternate(CacheMultigetBench.class, "multi", "sequential", 3, 1,
          Map.of("seeds", CacheBenchSupport.seeds(cluster.seedNodes())));
      double speedup = m[2]; // median of the per-round ratios
      System.out.printf("getMulti(100) %.0f calls/s, 100 sequential gets %.0f rounds/s (medians of 3; median per-round ratio %.1f); "
          + "target >= 5 (aim 10): %s%n", m[0], m[1], speedup, speedup >= 5 ? "met" : "MISSED");
      result = speedup;
    }
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_multiget_speedup=%.1f x%n", result);
  }
}
