package io.mesh4j.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.mesh4j.benchmarks.support.Throughput;
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
 * TwoLevelCache.get on an L1 hit against raw Caffeine getIfPresent, same 1024 keys and values,
 * 2 threads, JMH throughput: against a plain Caffeine cache (size-bounded only, no expiry: the
 * fastest read Caffeine has) and, as a control, against Caffeine with a 5 min expire-after-write
 * on the system ticker (what the L1 was before it read a coarse clock). The TwoLevelCache runs
 * with its defaults (hits not counted) and, in a fourth row, with {@code recordStats()}. The four
 * run in a rotating order over 7 rounds (fresh fork each); the RESULTs are medians of the
 * per-round ratios: {@code cache_l1_caffeine_expire_vs_plain} (Caffeine with expiry / without),
 * {@code cache_l1_recorded_vs_caffeine} (TwoLevelCache counting hits / plain Caffeine),
 * {@code cache_l1_vs_caffeine_expire} (TwoLevelCache / Caffeine with expiry) and, last,
 * {@code cache_l1_vs_caffeine} (TwoLevelCache / plain Caffeine, issue 18's target). The
 * TwoLevelCaches run for real: cluster, subscription and sequence checks are live; teardown fails
 * the run if any read missed L1.
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
  private TwoLevelCache<String> twoLevelStats;
  private Cache<String, String> caffeine;
  private Cache<String, String> caffeinePlain;
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
    caffeinePlain = Caffeine.newBuilder().maximumSize(10_000).build();
    DistributedCache<String> l2 = DistributedCache.builder(String.class)
        .seedNodes(seeds.split(",")).namespace("bench-l1-" + ProcessHandle.current().pid()).build();
    twoLevel = TwoLevelCache.builder(l2).l1MaximumSize(10_000).build();
    DistributedCache<String> l2Stats = DistributedCache.builder(String.class)
        .seedNodes(seeds.split(",")).namespace("bench-l1-" + ProcessHandle.current().pid()).build();
    twoLevelStats = TwoLevelCache.builder(l2Stats).l1MaximumSize(10_000).recordStats().build();
    CacheBenchSupport.await("L1 active", 20_000, twoLevel::isL1Active);
    CacheBenchSupport.await("L1 active", 20_000, twoLevelStats::isL1Active);
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "key-" + i;
      String value = "value-" + i;
      l2.set(keys[i], value);
      caffeine.put(keys[i], value);
      caffeinePlain.put(keys[i], value);
      twoLevel.get(keys[i]);
      twoLevelStats.get(keys[i]);
      if (!value.equals(twoLevel.get(keys[i])) || !value.equals(twoLevelStats.get(keys[i]))) {
        throw new IllegalStateException("L1 not filled for " + keys[i]);
      }
    }
    setupMisses = twoLevel.stats().l1Misses() + twoLevelStats.stats().l1Misses();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    long misses = twoLevel.stats().l1Misses() + twoLevelStats.stats().l1Misses() - setupMisses;
    long bypassed = twoLevel.stats().l1Bypassed() + twoLevelStats.stats().l1Bypassed();
    twoLevel.close();
    twoLevelStats.close();
    if (misses + bypassed > 0) {
      throw new IllegalStateException("the benchmark left L1: " + misses + " misses, " + bypassed + " bypassed");
    }
  }

  @Benchmark
  public String twoLevel(Cursor c) {
    return twoLevel.get(keys[c.i++ & (KEYS - 1)]);
  }

  /** The same with {@code recordStats()}: what counting L1 hits costs. */
  @Benchmark
  public String twoLevelStats(Cursor c) {
    return twoLevelStats.get(keys[c.i++ & (KEYS - 1)]);
  }

  @Benchmark
  public String caffeine(Cursor c) {
    return caffeine.getIfPresent(keys[c.i++ & (KEYS - 1)]);
  }

  /** The control row: Caffeine without expiry. */
  @Benchmark
  public String caffeinePlain(Cursor c) {
    return caffeinePlain.getIfPresent(keys[c.i++ & (KEYS - 1)]);
  }

  /** Starts a private cluster, runs the three in rotation; last line {@code RESULT cache_l1_vs_caffeine=<ratio> x}. */
  public static void main(String[] args) throws Exception {
    String[] methods = {"twoLevel", "caffeine", "caffeinePlain", "twoLevelStats"};
    int rounds = 7;
    double[][] ops = new double[methods.length][rounds];
    double[] l1Ratio = new double[rounds];
    double[] l1VsExpire = new double[rounds];
    double[] expireRatio = new double[rounds];
    double[] statsRatio = new double[rounds];
    try (RedisCluster cluster = RedisCluster.startPrivate()) {
      Map<String, String> params = Map.of("seeds", CacheBenchSupport.seeds(cluster.seedNodes()));
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < methods.length; k++) {
          int m = (r + k) % methods.length; // the order rotates every round
          ops[m][r] = CacheBenchSupport.run(CacheL1HitBench.class, methods[m], 2, params);
        }
        l1Ratio[r] = ops[0][r] / ops[2][r];
        l1VsExpire[r] = ops[0][r] / ops[1][r];
        expireRatio[r] = ops[1][r] / ops[2][r];
        statsRatio[r] = ops[3][r] / ops[2][r];
        System.out.printf("round %d: twoLevel %.1f M ops/s, caffeine (expire) %.1f M, caffeine (no expiry) %.1f M; "
            + "twoLevel/plain %.3f, twoLevel/expire %.3f, expire/plain %.3f; with recordStats %.1f M, /plain %.3f%n",
            r + 1, ops[0][r] / 1e6, ops[1][r] / 1e6, ops[2][r] / 1e6, l1Ratio[r], l1VsExpire[r], expireRatio[r],
            ops[3][r] / 1e6, statsRatio[r]);
      }
    }
    double ratio = Throughput.median(l1Ratio);
    double vsExpire = Throughput.median(l1VsExpire);
    double expire = Throughput.median(expireRatio);
    double stats = Throughput.median(statsRatio);
    System.out.printf("medians of %d rounds, 2 threads: TwoLevelCache L1 hit %.1f M ops/s, "
        + "Caffeine with expiry %.1f M, Caffeine without %.1f M; TwoLevelCache / plain Caffeine %.3f (target >= 0.9: "
        + "%s); TwoLevelCache / Caffeine with expiry %.3f; Caffeine expire / plain %.3f%n",
        rounds, Throughput.median(ops[0]) / 1e6, Throughput.median(ops[1]) / 1e6, Throughput.median(ops[2]) / 1e6,
        ratio, ratio >= 0.9 ? "met" : "MISSED", vsExpire, expire);
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_l1_caffeine_expire_vs_plain=%.2f x (control: raw Caffeine with expiry / without)%n",
        expire);
    System.out.printf("RESULT cache_l1_recorded_vs_caffeine=%.2f x (TwoLevelCache with recordStats() / plain "
        + "Caffeine: the cost of counting hits)%n", stats);
    System.out.printf("RESULT cache_l1_vs_caffeine_expire=%.2f x (TwoLevelCache L1 hit / raw Caffeine with the same "
        + "expiry)%n", vsExpire);
    System.out.printf("RESULT cache_l1_vs_caffeine=%.2f x (TwoLevelCache L1 hit / plain Caffeine, no expiry)%n", ratio);
  }
}
