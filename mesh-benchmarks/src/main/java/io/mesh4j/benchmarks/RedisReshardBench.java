package io.mesh4j.benchmarks;

import io.mesh4j.benchmarks.ClientBenchSupport.Latencies;
import io.mesh4j.cache.DistributedCache;
import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisResharding;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A Redis Cluster resharded under cache traffic (issue 15). A private 3-master cluster holds
 * {@value #KEYS} keys of a DistributedCache in strict mode (a failure reaches the caller as an
 * exception instead of a null). Four threads run {@value #RATE} operations a second in all, paced:
 * {@code get} (value checked), {@code set} then a read-back, {@code getMulti} of 20 keys spread over
 * slots (every value checked) and {@code getOrLoad}. Meanwhile {@value #SLOTS} slots, with their
 * keys, move from one master to another (the testkit's {@code RedisResharding}: IMPORTING/MIGRATING,
 * MIGRATE in batches, SETSLOT NODE), so the cache meets MOVED and ASK answers and getMulti batches
 * that span a slot in migration. Printed: operations during the move, their p50/p99, the time the
 * move took, wrong values; RESULTs {@code redis_reshard_wrong_values} and, last,
 * {@code redis_reshard_caller_exceptions} (both target 0).
 *
 * <p>{@code scripts/bench.sh redis-reshard}
 */
public final class RedisReshardBench {
  private static final int KEYS = 20_000;
  private static final int SLOTS = 1_000;
  private static final int RATE = 2_000;
  private static final int THREADS = 4;

  private RedisReshardBench() {}

  /** Runs the benchmark; the last line is {@code RESULT redis_reshard_caller_exceptions=<n> calls}. */
  public static void main(String[] args) throws Exception {
    long exceptions;
    long wrongValues;
    long opsDuring;
    long moveMillis;
    long[] latencies;
    Queue<String> firstProblems = new ConcurrentLinkedQueue<>();
    try (RedisCluster cluster = RedisCluster.startPrivate();
        DistributedCache<String> cache = DistributedCache.builder(String.class)
            .seedNodes(cluster.seedNodes()).namespace("bench-reshard").strict(true).build()) {
      for (int i = 0; i < KEYS; i++) {
        cache.set("k" + i, "v" + i);
      }
      List<InetSocketAddress> masters = cluster.masterAddresses();
      InetSocketAddress from = masters.get(0);
      InetSocketAddress to = masters.get(1);
      System.out.printf("redis-reshard: %d cache ops/s (%d threads: get, set + read-back, getMulti of 20, getOrLoad; "
          + "strict mode) over %d keys while %d slots move from %s to %s%n", RATE, THREADS, KEYS, SLOTS, from, to);

      AtomicBoolean measuring = new AtomicBoolean();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ops = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      AtomicLong wrong = new AtomicLong();
      Latencies during = new Latencies();
      List<Thread> traffic = new ArrayList<>();
      long period = TimeUnit.SECONDS.toNanos(1) * THREADS / RATE;
      for (int t = 0; t < THREADS; t++) {
        int kind = t;
        Thread thread = new Thread(() -> {
          ThreadLocalRandom random = ThreadLocalRandom.current();
          long next = System.nanoTime();
          int own = 0;
          while (!stop.get()) {
            next += period;
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
              LockSupport.parkNanos(wait);
            }
            int i = random.nextInt(KEYS);
            long t0 = System.nanoTime();
            try {
              switch (kind) {
                case 0 -> check(wrong, firstProblems, "get k" + i, "v" + i, cache.get("k" + i));
                case 1 -> {
                  String key = "w-" + (own++ % 1000);
                  String value = "x" + random.nextInt();
                  cache.set(key, value);
                  check(wrong, firstProblems, "read-back " + key, value, cache.get(key));
                }
                case 2 -> {
                  List<String> keys = new ArrayList<>();
                  for (int j = 0; j < 20; j++) {
                    keys.add("k" + ((i + j * 97) % KEYS));
                  }
                  Map<String, String> got = cache.getMulti(keys);
                  for (String k : keys) {
                    check(wrong, firstProblems, "getMulti " + k, "v" + k.substring(1), got.get(k));
                  }
                }
                default -> {
                  String key = "l" + i;
                  check(wrong, firstProblems, "getOrLoad " + key, "L" + i,
                      cache.getOrLoad(key, () -> "L" + key.substring(1)));
                }
              }
            } catch (RuntimeException e) {
              failed.incrementAndGet();
              if (firstProblems.size() < 5) {
                firstProblems.add(e.getClass().getSimpleName() + ": " + e.getMessage());
              }
            }
            if (measuring.get()) {
              ops.incrementAndGet();
              synchronized (during) {
                during.add(System.nanoTime() - t0);
              }
            }
          }
        }, "reshard-traffic-" + t);
        thread.setDaemon(true);
        thread.start();
        traffic.add(thread);
      }
      try {
        Thread.sleep(1000); // the traffic settles at its pace before the move (a warm-up, not a wait for state)
        failed.set(0);
        wrong.set(0);
        measuring.set(true);
        long t0 = System.nanoTime();
        List<Integer> moved = RedisResharding.of(cluster).moveSlots(from, to, SLOTS);
        moveMillis = (System.nanoTime() - t0) / 1_000_000;
        measuring.set(false);
        if (moved.size() != SLOTS) {
          throw new IllegalStateException("moved " + moved.size() + " slots, not " + SLOTS);
        }
        if (cluster.masterOfSlot(moved.get(moved.size() - 1)).getPort() != to.getPort()) {
          throw new IllegalStateException("slot " + moved.get(moved.size() - 1) + " is not on " + to);
        }
      } finally {
        stop.set(true);
        for (Thread thread : traffic) {
          thread.join(10_000);
        }
      }
      exceptions = failed.get();
      wrongValues = wrong.get();
      opsDuring = ops.get();
      synchronized (during) {
        latencies = during.sorted();
      }
      // Every key still reads back after the move.
      for (int i = 0; i < KEYS; i += 7) {
        if (!("v" + i).equals(cache.get("k" + i))) {
          throw new IllegalStateException("k" + i + " reads " + cache.get("k" + i) + " after the move");
        }
      }
    }
    if (opsDuring < 500) {
      throw new IllegalStateException("only " + opsDuring + " operations ran during the move: it did not test it");
    }
    System.out.printf("  the move took %d ms; %d operations ran during it (%.0f/s), p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        moveMillis, opsDuring, opsDuring * 1000.0 / Math.max(1, moveMillis), Latencies.quantile(latencies, 0.5) / 1e6,
        Latencies.quantile(latencies, 0.99) / 1e6, latencies[latencies.length - 1] / 1e6);
    System.out.printf("  caller exceptions %d, wrong values %d%s%n", exceptions, wrongValues,
        firstProblems.isEmpty() ? "" : "; first: " + firstProblems);
    System.out.printf("RESULT redis_reshard_wrong_values=%d values (target 0)%n", wrongValues);
    System.out.printf("RESULT redis_reshard_caller_exceptions=%d calls (of %d during the move of %d slots; target 0)%n",
        exceptions, opsDuring, SLOTS);
  }

  private static void check(AtomicLong wrong, Queue<String> problems, String what, String expected, String actual) {
    if (!expected.equals(actual)) {
      wrong.incrementAndGet();
      if (problems.size() < 5) {
        problems.add(what + ": expected " + expected + ", was " + actual);
      }
    }
  }
}
