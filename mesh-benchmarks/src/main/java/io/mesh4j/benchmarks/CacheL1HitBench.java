package io.mesh4j.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.testkit.RedisCluster;
import java.time.Duration;
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

/**
 * TwoLevelCache.get on an L1 hit against raw Caffeine getIfPresent (size-bounded, 5 min
 * expire-after-write), same 1024 keys and values, 2 threads, JMH throughput; the two alternate
 * over 3 rounds (fresh fork each), medians compared. The TwoLevelCache runs for real: cluster,
 * subscription and sequence checks are live; teardown fails the run if any read missed L1.
 *
 * <p>{@code scripts/bench.sh cache-l1-hit}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CacheL1HitBench {
  static final int KEYS = 1024;

  @Param("")
  public String seeds;

  private TwoLevelCache<String> twoLevel;
  private Cache<String, String> caffeine;
  private final String[] keys = new String[KEYS];
  private long setupMisses;

  /** Each thread walks the keys from its own position. */
  @State(Scope.Thread)
  public static class Cursor {
    int i = (int) (Thread.currentThread().getId() * 131);
  }

  @Setup(Level.Trial)
  public void setUp() {
    caffeine = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(5)).build();
    DistributedCache<String> l2 = DistributedCache.builder(String.class)
        .seedNodes(seeds.split(",")).namespace("bench-l1-" + ProcessHandle.current().pid()).build();
    twoLevel = TwoLevelCache.builder(l2).l1MaximumSize(10_000).build();
    CacheBenchSupport.await("L1 active", 20_000, twoLevel::isL1Active);
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "key-" + i;
      String value = "value-" + i;
      l2.set(keys[i], value);
      caffeine.put(keys[i], value);
      twoLevel.get(keys[i]);
      if (!value.equals(twoLevel.get(keys[i]))) {
        throw new IllegalStateException("L1 not filled for " + keys[i]);
      }
    }
    setupMisses = twoLevel.stats().l1Misses();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    long misses = twoLevel.stats().l1Misses() - setupMisses;
    long bypassed = twoLevel.stats().l1Bypassed();
    twoLevel.close();
    if (misses + bypassed > 0) {
      throw new IllegalStateException("the benchmark left L1: " + misses + " misses, " + bypassed + " bypassed");
    }
  }

  @Benchmark
  public String twoLevel(Cursor c) {
    return twoLevel.get(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String caffeine(Cursor c) {
    return caffeine.getIfPresent(keys[c.i++ & (KEYS - 1)]);
  }

  /** Starts a private cluster, runs both alternately; last line {@code RESULT cache_l1_vs_caffeine=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    double result;
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      double[] m = CacheBenchSupport.alternate(CacheL1HitBench.class, "twoLevel", "caffeine", 9, 2,
          Map.of("seeds", CacheBenchSupport.seeds(cluster.seedNodes())));
      double ratio = m[2]; // median of the per-round ratios
      System.out.printf("TwoLevelCache L1 hit %.1f M ops/s, raw Caffeine %.1f M ops/s (medians of 9, 2 threads; median per-round ratio %.3f); "
          + "target >= 0.7 (aim 0.9): %s%n", m[0] / 1e6, m[1] / 1e6, ratio, ratio >= 0.7 ? "met" : "MISSED");
      result = ratio;
    }
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_l1_vs_caffeine=%.2f x%n", result);
  }
}
