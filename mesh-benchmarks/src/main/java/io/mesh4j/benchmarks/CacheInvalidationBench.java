package io.mesh4j.benchmarks;

import io.mesh4j.cache.DistributedCache;
import io.mesh4j.cache.TwoLevelCache;
import io.mesh4j.testkit.RedisCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Cross-client L1 invalidation: B holds the old value in L1 (checked: served from L1); A sets a new
 * value; the sample is the time from the start of A's set until B's get stops returning the old
 * value, B polling its own get in a tight loop. 200 samples after 20 warm-up ones; the RESULT is
 * their p99. Besides them, 8 extra samples first kill the pub/sub connections (CLIENT KILL TYPE
 * pubsub), reported on their own: B must never serve the old value after the write in any sample,
 * which is checked with 50 more reads after each one.
 *
 * <p>{@code scripts/bench.sh cache-invalidation}
 */
public final class CacheInvalidationBench {
  private static final int WARMUP = 20;
  private static final int SAMPLES = 200;
  private static final int KILL_EVERY = 25;

  private CacheInvalidationBench() {}

  /** Last line {@code RESULT cache_invalidation_p99_ms=<value> ms}. */
  public static void main(String[] args) throws Exception {
    ExecutorService writer = Executors.newSingleThreadExecutor();
    double result;
    try (RedisCluster cluster = RedisCluster.startPrivate();
        TwoLevelCache<String> a = twoLevel(cluster);
        TwoLevelCache<String> b = twoLevel(cluster)) {
      List<Double> millis = new ArrayList<>();
      List<Double> killMillis = new ArrayList<>();
      long staleAfterFresh = 0;
      int total = WARMUP + SAMPLES + SAMPLES / KILL_EVERY;
      for (int i = 0; i < total; i++) {
        String key = "k" + (i % 10);
        String old = "old-" + i;
        String fresh = "new-" + i;
        a.set(key, old);
        // B must hold the old value in L1: its own set message (or a resubscription after the
        // previous sample's kill) may still evict a first fill, so retry until L1 answers.
        CacheBenchSupport.await("B serving the old value from L1", 10_000, () -> {
          if (!b.isL1Active() || !old.equals(b.get(key))) {
            return false;
          }
          long hits = b.stats().l1Hits();
          return old.equals(b.get(key)) && b.stats().l1Hits() == hits + 1;
        });
        boolean kill = i >= WARMUP && (i - WARMUP) % (KILL_EVERY + 1) == KILL_EVERY;
        if (kill) {
          cluster.killClients("TYPE", "pubsub");
        }
        long start = System.nanoTime();
        Future<Boolean> write = writer.submit(() -> a.set(key, fresh));
        while (old.equals(b.get(key))) {
          Thread.yield(); // 2 cores: leave the CPU to the subscriber thread and the servers
        }
        long took = System.nanoTime() - start;
        write.get(10, TimeUnit.SECONDS);
        for (int r = 0; r < 50; r++) {
          if (old.equals(b.get(key))) {
            staleAfterFresh++;
          }
        }
        if (kill) {
          killMillis.add(took / 1e6);
        } else if (i >= WARMUP) {
          millis.add(took / 1e6);
        }
      }
      millis.sort(null);
      double p50 = millis.get(millis.size() / 2);
      double p99 = millis.get((int) Math.ceil(millis.size() * 0.99) - 1);
      double max = millis.get(millis.size() - 1);
      killMillis.sort(null);
      System.out.printf("%d samples: p50 %.3f ms, p99 %.3f ms, max %.3f ms; %d more samples with the subscriptions "
          + "killed first: median %.3f ms, max %.3f ms; old value served after the new one was seen: %d times; "
          + "gaps %d, resubscriptions %d; target p99 < 50 ms (aim < 5): %s%n", millis.size(), p50, p99, max,
          killMillis.size(), killMillis.get(killMillis.size() / 2), killMillis.get(killMillis.size() - 1),
          staleAfterFresh, b.stats().gapsDetected(), b.stats().subscriptions() - 1,
          p99 < 50 && staleAfterFresh == 0 ? "met" : "MISSED");
      if (staleAfterFresh > 0) {
        throw new IllegalStateException("B served the old value again after the new one");
      }
      result = p99;
    } finally {
      writer.shutdownNow();
    }
    // Printed after every resource is closed: nothing may log after the RESULT line.
    System.out.printf("RESULT cache_invalidation_p99_ms=%.3f ms%n", result);
  }

  private static TwoLevelCache<String> twoLevel(RedisCluster cluster) {
    DistributedCache<String> l2 = DistributedCache.builder(String.class).seedNodes(cluster.seedNodes())
        .namespace("bench-inv").build();
    TwoLevelCache<String> c = TwoLevelCache.builder(l2).recordStats().build();
    CacheBenchSupport.await("L1 active", 20_000, c::isL1Active);
    return c;
  }
}
