package io.mesh4j.benchmarks;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.testkit.RedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * 20 rounds of the stampede: two caches with separate cluster connections (two JVMs' worth) times
 * 32 threads miss one fresh key at once; its loader takes 200 ms. Counts loader runs per round and
 * the slowest caller. A naive cache-aside runs the loader 64 times per round.
 *
 * <p>{@code scripts/bench.sh cache-stampede}
 */
public final class CacheStampedeBench {
  private static final int ROUNDS = 20;
  private static final int THREADS_PER_CACHE = 32;

  private CacheStampedeBench() {}

  /** Last line {@code RESULT cache_stampede_max_loads=<n> loads}. */
  public static void main(String[] args) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_CACHE);
    int result;
    try (RedisCluster cluster = RedisCluster.startPrivate();
        DistributedCache<String> a = cache(cluster);
        DistributedCache<String> b = cache(cluster)) {
      int maxLoads = 0;
      long worstMillis = 0;
      for (int round = 1; round <= ROUNDS; round++) {
        String key = "hot-" + round;
        AtomicInteger loads = new AtomicInteger();
        CyclicBarrier go = new CyclicBarrier(2 * THREADS_PER_CACHE);
        List<Future<Long>> calls = new ArrayList<>();
        for (int t = 0; t < 2 * THREADS_PER_CACHE; t++) {
          DistributedCache<String> cache = t % 2 == 0 ? a : b;
          calls.add(pool.submit(() -> {
            go.await();
            long start = System.nanoTime();
            String v = cache.getOrLoad(key, Duration.ofMinutes(5), () -> {
              loads.incrementAndGet();
              sleep(200);
              return "value-of-" + key;
            });
            if (!("value-of-" + key).equals(v)) {
              throw new IllegalStateException("caller got " + v);
            }
            return System.nanoTime() - start;
          }));
        }
        long slowest = 0;
        for (Future<Long> f : calls) {
          slowest = Math.max(slowest, f.get(60, TimeUnit.SECONDS));
        }
        slowest = TimeUnit.NANOSECONDS.toMillis(slowest);
        maxLoads = Math.max(maxLoads, loads.get());
        worstMillis = Math.max(worstMillis, slowest);
        System.out.printf("round %2d: %d load(s), 64 callers served, slowest caller %d ms%n", round, loads.get(), slowest);
      }
      System.out.printf("lock waits: %d, loads: %d over %d rounds; slowest caller overall %d ms; target 1 load per round: %s%n",
          a.stats().lockWaits() + b.stats().lockWaits(), a.stats().loads() + b.stats().loads(), ROUNDS, worstMillis,
          maxLoads == 1 ? "met" : "MISSED");
      result = maxLoads;
    } finally {
      pool.shutdownNow();
    }
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_stampede_max_loads=%d loads%n", result);
  }

  private static DistributedCache<String> cache(RedisCluster cluster) {
    return DistributedCache.builder(String.class).seedNodes(cluster.seedNodes()).namespace("bench-stampede").build();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
