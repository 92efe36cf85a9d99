package io.mesh4j.cache;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mesh4j.testkit.RedisCluster;
import io.mesh4j.testkit.RedisClusterExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.RedisClusterClient;

/**
 * The L1 read/invalidate race that the generation counter guards: a reader that read the old
 * value from L2 must not leave it in L1 once the invalidation of a newer write was applied.
 *
 * <p>Writers on A (their invalidations reach B over the channel) and on B (evicted locally) bump
 * version numbers of a few hot keys, one writer per key so that L2 only ever moves forward;
 * readers on B hammer the same keys. Every read on B is checked against a floor taken before it
 * started: the newest version of the key whose invalidation B had already applied. For B's own
 * keys that is B's last completed write (the local eviction happens before set() returns); for
 * A's keys, a write whose message number B has received (messages arrive in number order, so B's
 * received count tells which numbers it has applied). A read below its floor is an old value that
 * got into L1 after its invalidation, which is what the generation counter must prevent. At rest, B
 * serves what L2 holds for every key.
 */
class L1RaceStressTest {
  @RegisterExtension static final RedisClusterExtension REDIS = RedisClusterExtension.shared();
  private static final int KEYS = 8;
  private static final int READERS = 4;
  private static final Duration RUN = Duration.ofSeconds(6);
  private static final long MIN_READS = 5_000;
  private static final long MIN_WRITES = 300;

  @Test
  void noReadReturnsAValueOlderThanAWriteWhoseInvalidationBHadAlreadyApplied() throws Exception {
    RedisCluster cluster = REDIS.cluster();
    String ns = TestSupport.ns("race");
    try (TwoLevelCache<String> a = build(cluster, ns); TwoLevelCache<String> b = build(cluster, ns)) {
      for (int k = 0; k < KEYS; k++) {
        assertTrue(a.set(key(k), value(k, 0)));
      }
      AtomicLongArray next = new AtomicLongArray(KEYS);
      AtomicLongArray floor = new AtomicLongArray(KEYS); // newest version whose invalidation B applied
      AtomicBoolean stop = new AtomicBoolean();
      List<String> violations = Collections.synchronizedList(new ArrayList<>());
      AtomicLong reads = new AtomicLong();
      AtomicLong writes = new AtomicLong();
      byte[] sequenceKey = TestSupport.bytes("mesh4j:inv:{" + ns + "}:seq");
      ConcurrentLinkedQueue<long[]> inFlight = new ConcurrentLinkedQueue<>(); // {sequence, key, version}
      long baseSequence;
      long baseReceived;
      try (RedisClusterClient raw = TestSupport.raw(cluster)) {
        TestSupport.await("A's initial sets applied at B", Duration.ofSeconds(10),
            () -> b.stats().invalidationsReceived() >= KEYS);
        baseSequence = Long.parseLong(new String(raw.get(sequenceKey), StandardCharsets.UTF_8));
        baseReceived = b.stats().invalidationsReceived();
        ExecutorService pool = Executors.newFixedThreadPool(3 + READERS);
        try {
          List<Future<?>> tasks = new ArrayList<>();
          // Even keys are A's (remote invalidations for B), odd keys B's (local evictions).
          for (int w = 0; w < 2; w++) {
            TwoLevelCache<String> writer = w == 0 ? a : b;
            int parity = w;
            tasks.add(pool.submit(() -> {
              for (int n = 0; !stop.get(); n++) {
                int k = (n % (KEYS / 2)) * 2 + parity;
                long v = next.incrementAndGet(k);
                assertTrue(writer.set(key(k), value(k, v)));
                if (writer == b) {
                  floor.accumulateAndGet(k, v, Math::max);
                } else {
                  // The sequence now is at least this write's message number.
                  long seq = Long.parseLong(new String(raw.get(sequenceKey), StandardCharsets.UTF_8));
                  inFlight.add(new long[] {seq, k, v});
                }
                writes.incrementAndGet();
              }
              return null;
            }));
          }
          // Moves A's writes to the floor once B has received every message numbered up to theirs.
          tasks.add(pool.submit(() -> {
            while (!stop.get()) {
              long applied = baseSequence + b.stats().invalidationsReceived() - baseReceived;
              for (long[] w; (w = inFlight.peek()) != null && w[0] <= applied; ) {
                inFlight.poll();
                floor.accumulateAndGet((int) w[1], w[2], Math::max);
              }
              LockSupport.parkNanos(100_000);
            }
            return null;
          }));
          for (int r = 0; r < READERS; r++) {
            int reader = r;
            tasks.add(pool.submit(() -> {
              for (int n = 0; !stop.get(); n++) {
                int k = (n * 3 + reader) % KEYS;
                long min = floor.get(k);
                String got = b.get(key(k));
                long v = version(k, got);
                if (v < min) {
                  violations.add("reader " + reader + " read " + got + " after the invalidation of version "
                      + min + " was applied" + (k % 2 == 1 ? " (B's own completed write)" : ""));
                }
                reads.incrementAndGet();
              }
              return null;
            }));
          }
          // At least RUN long and enough traffic to race, however loaded the machine is.
          long deadline = System.nanoTime() + RUN.toNanos();
          await("the run").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(100))
              .until(() -> !violations.isEmpty()
                  || System.nanoTime() - deadline > 0 && reads.get() >= MIN_READS && writes.get() >= MIN_WRITES);
          stop.set(true);
          for (Future<?> t : tasks) {
            t.get(30, TimeUnit.SECONDS);
          }
        } finally {
          stop.set(true);
          pool.shutdownNow();
        }
      }
      String summary = reads.get() + " reads, " + writes.get() + " writes, " + b.stats();
      assertEquals(List.of(), violations.subList(0, Math.min(10, violations.size())), summary);
      assertTrue(reads.get() >= MIN_READS && writes.get() >= MIN_WRITES, "enough traffic to race: " + summary);
      assertTrue(b.stats().l1Hits() > 0 && b.stats().invalidationsReceived() >= MIN_WRITES / 2,
          "L1 in use and invalidated all along: " + summary);
      assertEquals(0, b.stats().gapsDetected(), summary);

      await("B coherent with L2 at rest").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            for (int k = 0; k < KEYS; k++) {
              if (!b.get(key(k)).equals(a.l2().get(key(k)))) {
                return false;
              }
            }
            return true;
          });
    }
  }

  private static TwoLevelCache<String> build(RedisCluster cluster, String ns) {
    TwoLevelCache<String> c = TwoLevelCache.builder(TestSupport.strings(cluster, ns).build())
        .l1Ttl(Duration.ofMinutes(5)).recordStats().build();
    TestSupport.await("L1 active", Duration.ofSeconds(10), c::isL1Active);
    return c;
  }

  private static String key(int k) {
    return "hot" + k;
  }

  private static String value(int k, long version) {
    return key(k) + "@" + version;
  }

  /** The version in a value of key {@code k}; a missing or foreign value is a violation of its own. */
  private static long version(int k, String value) {
    String prefix = key(k) + "@";
    if (value == null || !value.startsWith(prefix)) {
      throw new AssertionError("read " + value + " for " + key(k));
    }
    return Long.parseLong(value.substring(prefix.length()));
  }
}
